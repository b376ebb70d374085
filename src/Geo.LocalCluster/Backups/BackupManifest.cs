using System.Text.Json;
using System.Text.Json.Serialization;

namespace Geo.LocalCluster.Backups;

/// <summary>Which of PostgreSQL's two ways a backup was taken.</summary>
public enum BackupKind
{
    /// <summary>pg_dump's custom format of the service's database: restores into any PostgreSQL 15 with PostGIS, private or external.</summary>
    Dump,

    /// <summary>pg_basebackup of the whole cluster: restores into a new private cluster, and with archived WAL to a point in time.</summary>
    Base,
}

/// <summary>One file of a backup, as written: its size and SHA-256, checked before anything is restored.</summary>
public sealed record BackupFile(string Name, long Bytes, string Sha256);

/// <summary>
/// manifest.json of a backup folder: what was backed up, from which server and schema, and every
/// file's checksum. A dump's manifest also counts every table's rows in the dump's own snapshot,
/// so a restore proves it brought back every row.
/// </summary>
public sealed record BackupManifest
{
    public const string FileName = "manifest.json";
    public const string CurrentFormat = "geoawareness-backup/1";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public required string Format { get; init; }

    public required BackupKind Kind { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string Database { get; init; }

    public required string ServerVersion { get; init; }

    public required string PostgisVersion { get; init; }

    /// <summary>The GeoAwareness schema version (highest applied migration) of the database backed up.</summary>
    public required int SchemaVersion { get; init; }

    /// <summary>
    /// The source's next transaction id when the backup's snapshot was taken: every feed position
    /// (change_xid) in the backup is below it, and a restored database must issue ids above it.
    /// </summary>
    public required ulong NextTransactionId { get; init; }

    /// <summary>Database roles the schema grants to that live outside the database (pg_dump does not carry roles).</summary>
    public required IReadOnlyList<string> Roles { get; init; }

    /// <summary>Rows of each table (schema.table) in the dump's snapshot; empty for a base backup, whose snapshot is the cluster's files.</summary>
    public required IReadOnlyDictionary<string, long> Tables { get; init; }

    public required IReadOnlyList<BackupFile> Files { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a backup folder's manifest; a missing or unreadable one is a <see cref="BackupException"/> naming the folder.</summary>
    public static BackupManifest Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!Directory.Exists(folder))
        {
            throw new BackupException($"the backup folder {folder} does not exist");
        }

        if (!File.Exists(path))
        {
            throw new BackupException($"{folder} is not a GeoAwareness backup: it has no {FileName}");
        }

        BackupManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BackupManifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new BackupException($"{path} is not a readable manifest: {e.Message}", e);
        }

        if (manifest is null || manifest.Format != CurrentFormat)
        {
            throw new BackupException($"{path} is not a manifest this version reads (format {manifest?.Format ?? "none"}, expected {CurrentFormat})");
        }

        return manifest;
    }
}
