import FuzzDriver
import Policy
#if canImport(Glibc)
import Glibc
#endif

/// Feeds one input to the safetensors reader as an upload is fed. It must never crash, and whatever it accepts
/// must take no more memory than the file's data (the header's ranges tile it, so no two tensors share bytes)
/// and re-encode to a file that reads back with the same tensor names and shapes.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let header = try? Safetensors.Header(bytes: bytes) else { return 0 }
    let claimed = header.entries.reduce(0) { $0 + $1.byteCount }
    if claimed > header.dataCount { fatalError("the header claims \(claimed) bytes of tensors in \(header.dataCount) of data") }
    let file: Safetensors
    do { file = try Safetensors(bytes: bytes, header: header) } catch { fatalError("a checked header failed to decode: \(error)") }
    let shapes = file.tensors.mapValues(\.shape)
    if shapes != header.shapes { fatalError("decoded tensors differ from the header") }
    guard let back = try? Safetensors(bytes: file.encoded()) else { fatalError("a decoded file does not re-encode to a readable one") }
    if back.tensors.mapValues(\.shape) != shapes || back.metadata != file.metadata { fatalError("re-encoding changed the file") }
    return 0
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
