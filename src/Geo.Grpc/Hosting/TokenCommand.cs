using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Geo.Storage;
using Geo.Storage.Access;
using Geo.Storage.LocalCluster;
using Geo.Storage.Migrations;

namespace Geo.Grpc.Hosting;

/// <summary>
/// <c>geoawareness token issue|revoke|list</c>: administers tokens straight in the database, with
/// the service's own configuration. This is how the first administrator token is made.
/// </summary>
internal static class TokenCommand
{
    public const string Usage =
        "usage: geoawareness token issue --role ROLE --subject ID [--sector ID]... [--section SECTION] [--days N] [--note TEXT]\n" +
        "       geoawareness token revoke --id TOKEN_ID\n" +
        "       geoawareness token list\n" +
        "roles: cla, supervisor, analyst, planner, importer, cpas-focal-point, referral-section, administrator\n" +
        "sections (for referral-section): human-rights, child-protection, women-protection, conduct-and-discipline\n" +
        "settings (--LocalDatabase:DataDirectory=..., --ConnectionStrings:GeoAwareness=...) follow the command as for the service";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var (verb, options, settings) = Parse(args);
        if (verb is null or "help" or "--help")
        {
            await Console.Out.WriteLineAsync(Usage).ConfigureAwait(false);
            return verb is null ? 2 : 0;
        }

        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(settings)
            .Build();
        // The command prints its own result; only warnings and errors of what it starts are worth showing.
        using var loggers = LoggerFactory.Create(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddConsole().AddFilter((_, level) => level >= LogLevel.Warning));
        var local = configuration.GetSection(LocalClusterOptions.SectionName).Get<LocalClusterOptions>() ?? new LocalClusterOptions();
        await using var database = await GeoDatabase.OpenAsync(configuration.GetConnectionString(ServiceOptions.ConnectionStringName), local, loggers, cancellationToken)
            .ConfigureAwait(false);
        await database.MigrateAsync(loggers.CreateLogger<MigrationRunner>(), cancellationToken).ConfigureAwait(false);
        var store = new AccessStore(database.DataSource);
        var actor = $"cli:{Environment.UserName}";
        switch (verb)
        {
            case "issue":
                return await IssueAsync(store, options, actor, cancellationToken).ConfigureAwait(false);
            case "revoke":
                if (!options.TryGetValue("id", out var ids) || !await store.RevokeTokenAsync(ids[0], cancellationToken).ConfigureAwait(false))
                {
                    await Console.Error.WriteLineAsync("geoawareness token revoke: --id names no token").ConfigureAwait(false);
                    return 1;
                }

                await store.AuditAsync(actor, "token.revoke", "token", ids[0], null, cancellationToken).ConfigureAwait(false);
                await Console.Out.WriteLineAsync($"revoked {ids[0]}").ConfigureAwait(false);
                return 0;
            case "list":
                await foreach (var token in store.ListTokensAsync(cancellationToken).ConfigureAwait(false))
                {
                    var state = token.RevokedAt is not null ? "revoked" : token.ExpiresAt < DateTimeOffset.UtcNow ? "expired" : "active";
                    await Console.Out.WriteLineAsync($"{token.Id}\t{Name(token.Role)}\t{token.Subject}\t{state}\texpires {token.ExpiresAt:yyyy-MM-dd}\t{string.Join(',', token.Sectors)}")
                        .ConfigureAwait(false);
                }

                return 0;
            default:
                await Console.Error.WriteLineAsync($"geoawareness token: unknown command '{verb}'\n{Usage}").ConfigureAwait(false);
                return 2;
        }
    }

    private static async Task<int> IssueAsync(AccessStore store, Dictionary<string, List<string>> options, string actor, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var role = options.TryGetValue("role", out var roles) ? ParseRole(roles[0]) : null;
        var section = options.TryGetValue("section", out var sections) ? ParseSection(sections[0]) : null;
        if (role is null)
        {
            errors.Add("--role", "is required: one of cla, supervisor, analyst, planner, importer, cpas-focal-point, referral-section, administrator");
        }

        if (options.ContainsKey("section") && section is null)
        {
            errors.Add("--section", "is not one of human-rights, child-protection, women-protection, conduct-and-discipline");
        }

        var days = options.TryGetValue("days", out var dayValues) && int.TryParse(dayValues[0], System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        var request = new TokenRequest(
            role ?? Role.Analyst,
            options.TryGetValue("subject", out var subjects) ? subjects[0] : string.Empty,
            options.TryGetValue("sector", out var sectors) ? sectors : [],
            null,
            section,
            days,
            options.TryGetValue("note", out var notes) ? notes[0] : string.Empty);
        var issuer = new TokenIssuer(store, TimeProvider.System);
        if (!errors.Any)
        {
            await issuer.CheckAsync(request, errors, cancellationToken).ConfigureAwait(false);
        }

        if (errors.First is { } first)
        {
            await Console.Error.WriteLineAsync($"geoawareness token issue: {first}").ConfigureAwait(false);
            return 1;
        }

        var (token, stored) = await issuer.IssueAsync(request, actor, cancellationToken).ConfigureAwait(false);
        await Console.Out.WriteLineAsync(token).ConfigureAwait(false);
        await Console.Error.WriteLineAsync($"issued {stored.Id} ({Name(stored.Role)} for {stored.Subject}, expires {stored.ExpiresAt:yyyy-MM-dd}); the token above is shown only once")
            .ConfigureAwait(false);
        return 0;
    }

    private static (string? Verb, Dictionary<string, List<string>> Options, string[] Settings) Parse(string[] args)
    {
        var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var settings = new List<string>();
        string? verb = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains(':', StringComparison.Ordinal))
            {
                settings.Add(arg);
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                var name = arg[2..];
                if (!options.TryGetValue(name, out var values))
                {
                    options[name] = values = [];
                }

                values.Add(args[++i]);
            }
            else
            {
                verb ??= arg;
            }
        }

        return (verb, options, [.. settings]);
    }

    private static Role? ParseRole(string text) => text.Replace("-", string.Empty, StringComparison.Ordinal).ToLowerInvariant() switch
    {
        "cla" => Role.Cla,
        "supervisor" => Role.Supervisor,
        "analyst" => Role.Analyst,
        "planner" => Role.Planner,
        "importer" => Role.Importer,
        "cpasfocalpoint" => Role.CpasFocalPoint,
        "referralsection" => Role.ReferralSection,
        "administrator" or "admin" => Role.Administrator,
        _ => null,
    };

    private static ReferralSection? ParseSection(string text) => text.Replace("-", string.Empty, StringComparison.Ordinal).ToLowerInvariant() switch
    {
        "humanrights" => ReferralSection.HumanRights,
        "childprotection" => ReferralSection.ChildProtection,
        "womenprotection" => ReferralSection.WomenProtection,
        "conductanddiscipline" => ReferralSection.ConductAndDiscipline,
        _ => null,
    };

    private static string Name(Role role) => role switch
    {
        Role.CpasFocalPoint => "cpas-focal-point",
        Role.ReferralSection => "referral-section",
        _ => role.ToString().ToLowerInvariant(),
    };
}
