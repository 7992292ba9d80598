/// Rules for text that people see beside other people's text (account names, broker servers).
public enum DisplayText {
    /// Whether `text` holds a scalar that must not be shown: a control character, or a
    /// bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069), which can
    /// reorder what follows it on screen ("Trojan Source").
    public static func hasHiddenEffects(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            scalar.properties.generalCategory == .control || bidiControls.contains(scalar.value)
        }
    }

    static let bidiControls: Set<UInt32> = [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
}
