import Foundation

/// The bodies of klarod's `/admin` answers, shared by klarod (which encodes them) and the
/// `klaro` CLI (which decodes them), so the two cannot drift. Field names are the API's
/// (docs/fleet.md, docs/openapi.yaml).
///
/// The CLI must stay tolerant of a klarod one version apart: unknown fields are ignored by
/// `Decodable`, and fields no command shows are optional here even where klarod always sends
/// them, so a klarod that drops one still decodes. States, reasons and modes are plain
/// strings for the same reason: a value this CLI does not know is shown rather than refused.
public enum AdminAPI {}
