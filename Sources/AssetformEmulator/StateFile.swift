import Durable
import Foundation

/// The `--state FILE` store: JSON, written atomically (a temporary file, fsync, rename, fsync of
/// the folder). A file that does not parse is an error and is never replaced.
struct StateFile: Sendable {
    let path: String

    func load() throws -> PersistedState? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw EmulatorError.corruptState(path: path, reason: "\(error.localizedDescription)")
        }
        do {
            let state = try JSONDecoder().decode(PersistedState.self, from: data)
            guard state.format == 1 else {
                throw EmulatorError.corruptState(path: path, reason: "unknown format \(state.format)")
            }
            return state
        } catch let error as EmulatorError {
            throw error
        } catch {
            throw EmulatorError.corruptState(path: path, reason: "not an emulator state file: \(error)")
        }
    }

    func write(_ state: PersistedState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(state)
        do {
            try AtomicFile.write(Array(data), to: path)
        } catch {
            throw EmulatorError.cannotWriteState(path: path, reason: "\(error)")
        }
    }
}
