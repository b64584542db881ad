public import StrictJSON

/// The project's one JSON model lives beside its reader; the name is re-exported here so `Service` (which reads
/// JSON only through `Storage`'s records) keeps to its imports.
public typealias JSONValue = StrictJSON.JSONValue
