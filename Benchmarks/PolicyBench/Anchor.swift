import Foundation

/// Runs `Benchmarks/torch_policy_bench.py` with the given shape and returns its JSON lines by `bench`.
enum Anchor {
    static func run(python: String, script: String, arguments: [String]) -> [String: [String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch {
            FileHandle.standardError.write(Data("anchor: cannot run \(python): \(error)\n".utf8))
            return [:]
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var out: [String: [String: Any]] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let name = obj["bench"] as? String else { continue }
            print(line)  // echo the anchor's own line so the log holds both sides
            out[name] = obj
        }
        return out
    }
}
