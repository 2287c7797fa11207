import AssetformCLI

@main
enum Entry {
    static func main() async {
        await Assetform.start()
    }
}
