import FuzzDriver
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
                case .continueExpected, .headBeforeLargeBody:
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
#endif

@main
enum FuzzMain {
    static func main() {
        FuzzDriver.main { fuzzOne($0, $1) }
    }
}
