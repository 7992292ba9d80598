import Prometheus

/// Renders a registry for `/metrics`, in the Prometheus text format or in OpenMetrics.
///
/// swift-prometheus writes the Prometheus text format 0.0.4 only, in no fixed family order.
/// This renderer reads that output back into families and writes them sorted by name (so
/// successive scrapes diff cleanly) in the requested format. For OpenMetrics 1.0 it names
/// counter families without `_total` in `# TYPE`/`# HELP` while samples keep it, adds `# UNIT`
/// for names ending in a unit, escapes `"` in HELP as OpenMetrics requires, and ends with `# EOF`.
/// In both formats infinite and NaN values are written `+Inf`, `-Inf`, `NaN`.
public enum MetricsExposition {
    /// The exposition of every metric in `registry`, as UTF-8 bytes.
    public static func render(registry: PrometheusCollectorRegistry, format: ExpositionFormat) -> [UInt8] {
        render(prometheusText: registry.emitToBuffer(), format: format)
    }

    /// Re-renders Prometheus text format output (as swift-prometheus writes it) in `format`.
    static func render(prometheusText: [UInt8], format: ExpositionFormat) -> [UInt8] {
        var families = parseFamilies(String(decoding: prometheusText, as: UTF8.self)).sorted { $0.name < $1.name }
        for index in families.indices where families[index].help == nil {
            families[index].help = LibraryMetricNames.help[families[index].name]
        }
        var output = ""
        output.reserveCapacity(prometheusText.count + families.count * 32 + 8)
        for family in families {
            switch format {
            case .prometheusText: appendPrometheus(family, to: &output)
            case .openMetrics: appendOpenMetrics(family, to: &output)
            }
        }
        if format == .openMetrics {
            output += "# EOF\n"
        }
        return Array(output.utf8)
    }

    // MARK: Reading

    struct Family {
        var name: String
        var type: String?
        /// HELP text as written by the registry (backslashes already escaped).
        var help: String?
        var samples: [Substring] = []
    }

    static func parseFamilies(_ text: String) -> [Family] {
        var families: [Family] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let isHelp = line.hasPrefix("# HELP ")
                let rest = line.dropFirst(7)
                let name = String(rest.prefix(while: { $0 != " " }))
                let value = String(rest.dropFirst(name.count + 1))
                if families.last?.name != name {
                    families.append(Family(name: name))
                }
                if isHelp {
                    families[families.count - 1].help = value
                } else {
                    families[families.count - 1].type = value
                }
            } else if !line.hasPrefix("#") {
                if families.isEmpty {
                    families.append(Family(name: String(sampleName(of: line))))
                }
                families[families.count - 1].samples.append(line)
            }
        }
        return families
    }

    // MARK: Writing

    private static func appendPrometheus(_ family: Family, to output: inout String) {
        if let help = family.help {
            output += "# HELP \(family.name) \(help)\n"
        }
        if let type = family.type {
            output += "# TYPE \(family.name) \(type)\n"
        }
        for sample in family.samples {
            output += normalizedValue(sample)
            output += "\n"
        }
    }

    private static func appendOpenMetrics(_ family: Family, to output: inout String) {
        let isCounter = family.type == "counter"
        let name = isCounter && family.name.hasSuffix("_total") ? String(family.name.dropLast(6)) : family.name
        if let help = family.help {
            output += "# HELP \(name) \(openMetricsHelp(help))\n"
        }
        if let type = family.type {
            output += "# TYPE \(name) \(type)\n"
        }
        if let unit = unit(of: name) {
            output += "# UNIT \(name) \(unit)\n"
        }
        for sample in family.samples {
            var line = normalizedValue(sample)
            // OpenMetrics counter samples must end in _total even if the family name did not.
            if isCounter && sampleName(of: line[...]) == name {
                line.insert(contentsOf: "_total", at: line.index(line.startIndex, offsetBy: name.count))
            }
            output += line
            output += "\n"
        }
    }

    /// The metric name at the start of a sample line.
    private static func sampleName(of line: Substring) -> Substring {
        line.prefix(while: { $0 != "{" && $0 != " " })
    }

    /// The unit OpenMetrics's `# UNIT` line names, when the family name ends in one.
    private static func unit(of name: String) -> String? {
        for unit in ["seconds", "bytes", "ratio"] where name.hasSuffix("_" + unit) {
            return unit
        }
        return nil
    }

    /// The sample line with Swift's `inf`/`-inf`/`nan` spelled the exposition way.
    private static func normalizedValue(_ sample: Substring) -> String {
        guard let space = sample.lastIndex(of: " ") else { return String(sample) }
        let value = sample[sample.index(after: space)...]
        let replacement: String
        switch value {
        case "inf", "+inf": replacement = "+Inf"
        case "-inf": replacement = "-Inf"
        case "nan", "-nan": replacement = "NaN"
        default: return String(sample)
        }
        return String(sample[...space]) + replacement
    }

    /// HELP text escaped for OpenMetrics: like the text format, plus `"` → `\"`.
    private static func openMetricsHelp(_ help: String) -> String {
        var result = ""
        result.reserveCapacity(help.utf8.count)
        var escaping = false
        for character in help {
            if escaping {
                result.append(character)
                escaping = false
            } else if character == "\\" {
                result.append(character)
                escaping = true
            } else if character == "\"" {
                result += "\\\""
            } else {
                result.append(character)
            }
        }
        return result
    }
}
