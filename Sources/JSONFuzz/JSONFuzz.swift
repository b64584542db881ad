import FuzzDriver
#if canImport(Glibc)
import Glibc
#endif
import StrictJSON

/// Feeds one input to the JSON reader as a request body is fed (valid UTF-8 only: the caller checks). The reader
/// must never crash or hang (libFuzzer's timeout catches super-linear inputs), an error must point inside the
/// input, and an accepted value, written out, must read back the same.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard String(validating: bytes, as: UTF8.self) != nil else { return 0 }
    let value: JSONValue
    do {
        value = try JSONReader.read(bytes)
    } catch {
        if error.offset < 0 || error.offset > bytes.count { fatalError("error offset \(error.offset) outside the input of \(bytes.count) bytes") }
        return 0
    }
    // Written out, the value must read back; after that one normalisation (`-0` is written `0`, `1.0` as `1`),
    // writing and reading must be a fixed point.
    var text = value.bytes
    for _ in 0..<2 {
        let again: JSONValue
        do { again = try JSONReader.read(text) } catch { fatalError("the reader refuses a value it read, written out: \(error)") }
        let next = again.bytes
        if next == text { return 0 }
        text = next
    }
    fatalError("reading and writing a value does not settle")
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
