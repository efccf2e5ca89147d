/// Client-supplied text (user names, addresses) as it may appear in a log
/// line: at most 100 Unicode scalars and no control characters, so a hostile
/// client can neither forge log lines nor flood the log.
public enum LoggableText {
    public static let maximumScalars = 100

    public static func clean(_ text: String) -> String {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars.prefix(maximumScalars) {
            cleaned.append(scalar.value < 0x20 || scalar.value == 0x7F ? "?" : scalar)
        }
        return String(cleaned) + (text.unicodeScalars.count > maximumScalars ? "…" : "")
    }
}
