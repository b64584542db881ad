import FuzzDriver
import Policy
#if canImport(Glibc)
import Glibc
#endif

/// Feeds one input to the tar reader as a Hugging Face upload is fed, then to the HF folder reader. Neither may
/// crash; an accepted archive holds no more bytes than the input and re-encodes to one that reads back equal.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? HFModelFolder(archive: bytes)
    guard let archive = try? TarArchive(bytes: bytes) else { return 0 }
    let held = archive.files.values.reduce(0) { $0 + $1.count }
    if held > bytes.count { fatalError("the archive holds \(held) bytes from a \(bytes.count)-byte input") }
    let shortNames = archive.files.filter { $0.key.utf8.count <= 100 }
    guard let back = try? TarArchive(bytes: TarArchive(files: shortNames).encoded()) else { fatalError("a read archive does not re-encode") }
    if back.files != shortNames { fatalError("re-encoding changed the archive") }
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
