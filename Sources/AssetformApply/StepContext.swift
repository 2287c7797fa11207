public import AssetformCore

/// The plan step a task is working on, for what happens under it without being told (a call
/// the policy retries reports the address it was for).
public enum StepContext {
    @TaskLocal public static var address: Address?
}
