/// Test helper: the UTF-8 bytes of a string literal.
func utf8Bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
