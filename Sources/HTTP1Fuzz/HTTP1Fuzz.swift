import HTTP1
#if canImport(Glibc)
import Glibc
#endif

/// Feeds one input to the parser twice — whole, and split into chunks at
/// offsets taken from the input itself — and traps if the two runs disagree:
/// a byte-driven parser must not care where reads happen to end.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = HTTPLimits(maxRequestLineBytes: 256, maxHeaderCount: 16, maxHeaderBytes: 1024, maxBodyBytes: 4096, maxChunkLineBytes: 64)
    let whole = run(bytes, chunkSizes: [size], limits: limits)
    let step = Int(bytes[0] % 7) + 1
    let split = run(bytes, chunkSizes: (0..<size).map { ($0 * 31 + step) % 13 + 1 }, limits: limits)
    if whole != split {
        fatalError("chunking changed the result: \(whole) vs \(split)")
    }
    return 0
}

/// Summarises a run as a list of outcomes: requests (method, path, body size), or the error.
private func run(_ bytes: [UInt8], chunkSizes: [Int], limits: HTTPLimits) -> [String] {
    var parser = HTTPRequestParser(limits: limits)
    var outcomes: [String] = []
    var offset = 0
    var sizes = chunkSizes.makeIterator()
    while offset < bytes.count {
        let n = min(sizes.next() ?? bytes.count, bytes.count - offset)
        parser.append(bytes[offset..<(offset + n)])
        offset += n
        do {
            loop: while true {
                switch try parser.next() {
                case .request(let request):
                    outcomes.append("\(request.method) \(request.target) \(request.body.count) \(request.trailers.count) \(request.keepAlive)")
                case .continueExpected:
                    continue
                case .needMoreData:
                    break loop
                }
            }
        } catch {
            outcomes.append("error \(error.code)")
            return outcomes
        }
    }
    return outcomes
}

#if FUZZING
/// libFuzzer's entry point; with lld, libFuzzer's own `main` drives it directly.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(data, size)
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@main
enum FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { fuzzOne($0, $1) })
    }
}
#else
/// Without libFuzzer: replays the files named on the command line (a corpus or a crash).
@main
enum FuzzMain {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else { continue }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = fread(&buffer, 1, buffer.count, file)
                if n <= 0 { break }
                bytes.append(contentsOf: buffer[0..<n])
            }
            fclose(file)
            _ = bytes.withUnsafeBufferPointer { fuzzOne($0.baseAddress, $0.count) }
        }
    }
}
#endif
