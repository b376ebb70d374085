using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Geo.Storage.Migrations;

/// <summary>One versioned SQL file of the schema, named <c>NNNN_description.sql</c>.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the SQL, recorded when applied, so that an edited old migration is noticed.</summary>
    public string Checksum { get; } = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Sql))).ToLowerInvariant();

    /// <summary>Parses a file name such as <c>0001_initial.sql</c>.</summary>
    public static Migration FromFile(string fileName, string sql)
    {
        var underscore = fileName.IndexOf('_', StringComparison.Ordinal);
        if (underscore <= 0 || !fileName.EndsWith(".sql", StringComparison.Ordinal)
            || !int.TryParse(fileName.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || version <= 0)
        {
            throw new ArgumentException($"migration file name '{fileName}' is not of the form NNNN_description.sql", nameof(fileName));
        }

        return new Migration(version, fileName, sql);
    }

    /// <summary>The migrations built into this assembly, in version order.</summary>
    public static IReadOnlyList<Migration> BuiltIn()
    {
        var assembly = typeof(Migration).Assembly;
        const string prefix = "Migrations/";
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"resource {resource} vanished");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(FromFile(resource[prefix.Length..], reader.ReadToEnd()));
        }

        return Ordered(migrations);
    }

    /// <summary>Sorts by version and refuses two files with one version.</summary>
    public static IReadOnlyList<Migration> Ordered(IEnumerable<Migration> migrations)
    {
        var ordered = migrations.OrderBy(m => m.Version).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].Version == ordered[i - 1].Version)
            {
                throw new ArgumentException($"migrations {ordered[i - 1].Name} and {ordered[i].Name} share version {ordered[i].Version}", nameof(migrations));
            }
        }

        return ordered;
    }
}
