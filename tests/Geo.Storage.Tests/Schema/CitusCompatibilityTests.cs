using System.Text.RegularExpressions;
using Geo.Storage.Migrations;
using Xunit;

namespace Geo.Storage.Tests.Schema;

/// <summary>
/// The migrations against docs/scale-out.md ("Constructs Citus refuses"): nothing Citus refuses on
/// any table, and the triggers and unique keys it refuses on distributed and reference tables only
/// where the document lists them with what replaces them on Citus. Reads the SQL built into
/// Geo.Storage; no database.
/// </summary>
public sealed class CitusCompatibilityTests
{
    private const string Document = "docs/scale-out.md";

    /// <summary>Every trigger the migrations create, as the document lists them.</summary>
    private static readonly string[] ListedTriggers =
    [
        "audit_log_no_update_or_delete", "audit_log_no_truncate",       // 0001: local table, kept
        "access_tokens_notify_revoked", "access_tokens_notify_deleted", // 0006: local table, kept
        "sectors_notify_changed",                                        // 0006: AccessStore notifies
        "observations_notify_changed",                                   // 0008: the feed sequencer notifies
        "observations_open_alerts", "alerts_notify_changed",             // 0009: ObservationWriter, AlertStore
        "facilities_mark_plans",                                         // 0014: FacilityStore
    ];

    /// <summary>Unique indexes of observations without its distribution column, as the document lists them (plain indexes on Citus).</summary>
    private static readonly string[] ListedUniqueWithoutId = ["observations_seq_idx"];

    /// <summary>The one migration that adds an identity column to an existing table (before any distribution).</summary>
    private const string ListedIdentityAdded = "0018_read_model_keys.sql";

    private static readonly IReadOnlyList<Migration> Migrations = Migration.BuiltIn();

    [Fact]
    public void Migrations_Triggers_AreOnlyTheOnesTheScaleOutDocumentLists()
    {
        var created = Migrations
            .SelectMany(m => Regex.Matches(Sql(m), @"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\s+(\w+)", RegexOptions.IgnoreCase)
                .Select(match => (Migration: m.Name, Trigger: match.Groups[1].Value)))
            .ToList();

        var unlisted = created.Where(c => !ListedTriggers.Contains(c.Trigger)).Select(c => $"{c.Migration}: {c.Trigger}").ToList();
        Assert.True(unlisted.Count == 0,
            $"Citus refuses triggers on distributed and reference tables: say in {Document} what each of these becomes there, " +
            $"or do the work in the service: {string.Join(", ", unlisted)}");
        Assert.Equal(ListedTriggers.Order(StringComparer.Ordinal), created.Select(c => c.Trigger).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Migrations_UniqueKeysOfObservations_IncludeItsId()
    {
        var keys = new List<(string Migration, string Name, string Columns)>();
        foreach (var migration in Migrations)
        {
            var sql = Sql(migration);
            foreach (Match index in Regex.Matches(
                sql, @"\bCREATE\s+UNIQUE\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s+ON\s+(?:ONLY\s+)?observations\s*(?:USING\s+\w+\s*)?\(([^)]*)\)", RegexOptions.IgnoreCase))
            {
                keys.Add((migration.Name, index.Groups[1].Value, index.Groups[2].Value));
            }

            foreach (Match alter in Regex.Matches(sql, @"\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?observations\b([^;]*);", RegexOptions.IgnoreCase))
            {
                foreach (Match constraint in Regex.Matches(alter.Groups[1].Value, @"\bADD\s+(?:CONSTRAINT\s+(\w+)\s+)?(?:UNIQUE|PRIMARY\s+KEY)\s*\(([^)]*)\)", RegexOptions.IgnoreCase))
                {
                    keys.Add((migration.Name, constraint.Groups[1].Value, constraint.Groups[2].Value));
                }

                foreach (Match column in Regex.Matches(alter.Groups[1].Value, @"\bADD\s+COLUMN\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\b[^,]*?\b(?:UNIQUE|PRIMARY\s+KEY)\b", RegexOptions.IgnoreCase))
                {
                    keys.Add((migration.Name, column.Groups[1].Value, column.Groups[1].Value));
                }
            }

            foreach (Match table in Regex.Matches(sql, @"\bCREATE\s+TABLE\s+observations\s*\((.*?)\n\);", RegexOptions.IgnoreCase | RegexOptions.Singleline))
            {
                foreach (var line in table.Groups[1].Value.Split('\n').Where(l => Regex.IsMatch(l, @"\b(?:UNIQUE|PRIMARY\s+KEY)\b", RegexOptions.IgnoreCase)))
                {
                    var trimmed = line.Trim();
                    var inline = Regex.Match(trimmed, @"^(?:UNIQUE|PRIMARY\s+KEY)\s*\(([^)]*)\)", RegexOptions.IgnoreCase);
                    keys.Add((migration.Name, string.Empty, inline.Success ? inline.Groups[1].Value : trimmed.Split(' ')[0]));
                }
            }
        }

        var withoutId = keys
            .Where(k => !k.Columns.Split(',').Select(c => c.Trim().Split(' ')[0].Trim('"')).Contains("id", StringComparer.OrdinalIgnoreCase))
            .Where(k => !ListedUniqueWithoutId.Contains(k.Name))
            .Select(k => $"{k.Migration}: {(k.Name.Length > 0 ? k.Name : "inline key")} ({k.Columns.Trim()})")
            .ToList();
        Assert.NotEmpty(keys);
        Assert.True(withoutId.Count == 0,
            $"observations is distributed by id on Citus, which refuses a unique key without it ({Document}): {string.Join(", ", withoutId)}");
    }

    [Fact]
    public void Migrations_IdentityColumnsAddedToExistingTables_AreOnlyTheReadModelKey()
    {
        var added = Migrations
            .Where(m => Regex.IsMatch(Sql(m), @"\bADD\s+COLUMN\b[^,;]*?(?:\bGENERATED\s+(?:ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\b|\b(?:small|big)?serial\b)", RegexOptions.IgnoreCase))
            .Select(m => m.Name)
            .ToList();

        Assert.True(added.All(name => name == ListedIdentityAdded),
            $"Citus refuses adding an identity or serial column to a distributed table that holds rows ({Document}): {string.Join(", ", added)}");
    }

    [Theory]
    [InlineData("a rule (Citus does not support the rule system)", @"\bCREATE\s+(?:OR\s+REPLACE\s+)?RULE\b")]
    [InlineData("a serial column smaller than bigint", @"\b(?:small)?serial\b")]
    [InlineData("an identity column smaller than bigint", @"\b(?:smallint|integer|int|int2|int4)\s+GENERATED\s+(?:ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\b")]
    [InlineData("a sequence smaller than bigint", @"\bCREATE\s+SEQUENCE\b[^;]*\bAS\s+(?:smallint|integer|int)\b")]
    public void Migrations_ConstructCitusRefuses_IsAbsent(string construct, string pattern)
    {
        var found = Migrations.Where(m => Regex.IsMatch(Sql(m), pattern, RegexOptions.IgnoreCase)).Select(m => m.Name).ToList();

        Assert.True(found.Count == 0, $"{construct} in {string.Join(", ", found)}: see {Document}");
    }

    /// <summary>The migration's SQL without its comments, whose prose may name anything.</summary>
    private static string Sql(Migration migration) => Regex.Replace(migration.Sql, @"--[^\n]*", string.Empty);
}
