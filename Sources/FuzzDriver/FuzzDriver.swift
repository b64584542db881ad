#if canImport(Glibc)
import Glibc
#endif

/// One fuzz input, in libFuzzer's callback shape: the bytes and their count; returns 0.
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: FuzzTarget
) -> Int32
#endif

/// The `main` every fuzz target shares (`make fuzz`, scripts/fuzz.sh). Built with `-DFUZZING` and
/// `-sanitize=fuzzer`, it hands the command line and the target to libFuzzer's driver; built plainly (as
/// `swift build` does), it replays the files named on the command line, a corpus or a crash, through the target.
public enum FuzzDriver {
    public static func main(_ target: FuzzTarget) -> Never {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, target))
        #else
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
            _ = bytes.withUnsafeBufferPointer { target($0.baseAddress, $0.count) }
        }
        exit(0)
        #endif
    }
}
