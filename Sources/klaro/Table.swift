/// An aligned text table: a header row, then rows; numbers right-aligned. Cells of columns
/// marked `coloured` are painted by state when colour is on.
struct Table {
    struct Column {
        let title: String
        var alignRight = false
        var coloured = false
    }

    let columns: [Column]
    private(set) var rows: [[String]] = []
    /// False for a key–value layout without a header row.
    var showsHeader = true

    /// Columns by title; titles ending in `>` are right-aligned and those ending in `*`
    /// are coloured by state (the markers are not shown).
    init(_ titles: String...) {
        columns = titles.map { title in
            if title.hasSuffix(">") { return Column(title: String(title.dropLast()), alignRight: true) }
            if title.hasSuffix("*") { return Column(title: String(title.dropLast()), coloured: true) }
            return Column(title: title)
        }
    }

    mutating func add(_ cells: String...) {
        rows.append(cells)
    }

    /// The table as lines, columns separated by two spaces, no trailing spaces.
    func render(colour: Bool) -> String {
        var widths = columns.map { showsHeader ? $0.title.count : 0 }
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String], header: Bool) -> String {
            var parts: [String] = []
            for (index, column) in columns.enumerated() {
                let cell = index < cells.count ? cells[index] : ""
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                let last = index == columns.count - 1
                var text = column.alignRight ? padding + cell : cell + (last ? "" : padding)
                if colour {
                    if header {
                        text = paint(text, .bold)
                    } else if column.coloured, let hue = Terminal.colour(forState: cell) {
                        text = column.alignRight ? padding + paint(cell, hue) : paint(cell, hue) + (last ? "" : padding)
                    }
                }
                parts.append(text)
            }
            return parts.joined(separator: "  ")
        }
        let header = showsHeader ? [line(columns.map(\.title), header: true)] : []
        return (header + rows.map { line($0, header: false) }).joined(separator: "\n")
    }
}

/// `text` in an ANSI colour.
func paint(_ text: String, _ colour: Terminal.Colour) -> String {
    "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m"
}
