import CLinux

/// What `preflab --version` prints and `preflab_build_info` labels: stamped at link time by
/// `make build` (scripts/build-stamp.sh, from `git describe`), "unknown" in a plain `swift build`.
public enum BuildInfo {
    public static let version = stamped(clinux_build_version())
    public static let commit = stamped(clinux_build_commit())

    private static func stamped(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "unknown" }
        let text = String(cString: pointer)
        return text.isEmpty ? "unknown" : text
    }
}
