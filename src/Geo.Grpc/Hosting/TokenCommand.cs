using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Access;

namespace Geo.Grpc.Hosting;

/// <summary>
/// <c>geoawareness token issue|revoke|list</c>: administers tokens straight in the database, with
/// the service's own configuration. This is how the first administrator token is made; the work
/// itself is <see cref="LocalTokens"/>, which <c>geoaware token --local</c> runs too.
/// </summary>
public static class TokenCommand
{
    public static readonly string Usage =
        "usage: geoawareness token issue --role ROLE --subject ID [--sector ID]... [--section SECTION] [--days N] [--note TEXT]\n" +
        "       geoawareness token revoke --id TOKEN_ID\n" +
        "       geoawareness token list\n" +
        $"roles: {string.Join(", ", CodeWords.All<Role>())}\n" +
        $"sections (for referral-section): {string.Join(", ", CodeWords.All<ReferralSection>())}\n" +
        "settings (--ConnectionStrings:GeoAwareness=...) follow the command as for the service; geoaware token --local works on the private cluster";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var (verb, options, settings) = Parse(args);
        if (verb is null or "help" or "--help")
        {
            await Console.Out.WriteLineAsync(Usage).ConfigureAwait(false);
            return verb is null ? 2 : 0;
        }

        if (verb is not ("issue" or "revoke" or "list"))
        {
            await Console.Error.WriteLineAsync($"geoawareness token: unknown command '{verb}'\n{Usage}").ConfigureAwait(false);
            return 2;
        }

        return await LocalTokens.WithDatabaseAsync(settings, tokens => verb switch
        {
            "issue" => IssueAsync(tokens, options, cancellationToken),
            "revoke" => RevokeAsync(tokens, options, cancellationToken),
            _ => ListAsync(tokens, cancellationToken),
        }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> IssueAsync(LocalTokens tokens, Dictionary<string, List<string>> options, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var role = options.TryGetValue("role", out var roles) ? LocalTokens.ParseRole(roles[0]) : null;
        var section = options.TryGetValue("section", out var sections) ? LocalTokens.ParseSection(sections[0]) : null;
        if (role is null)
        {
            errors.Add("--role", $"is required: one of {string.Join(", ", CodeWords.All<Role>())}");
        }

        if (options.ContainsKey("section") && section is null)
        {
            errors.Add("--section", $"is not one of {string.Join(", ", CodeWords.All<ReferralSection>())}");
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
        var issued = errors.Any ? null : await tokens.IssueAsync(request, errors, cancellationToken).ConfigureAwait(false);
        if (issued is null)
        {
            await Console.Error.WriteLineAsync($"geoawareness token issue: {errors.First}").ConfigureAwait(false);
            return 1;
        }

        var info = issued.Info;
        await Console.Out.WriteLineAsync(issued.Token).ConfigureAwait(false);
        await Console.Error.WriteLineAsync(
            $"issued {info.Id} ({CodeWords.Of(info.Role)} for {info.Subject}, expires {info.ExpiresAt.ToDateTimeOffset():yyyy-MM-dd}); the token above is shown only once")
            .ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> RevokeAsync(LocalTokens tokens, Dictionary<string, List<string>> options, CancellationToken cancellationToken)
    {
        if (!options.TryGetValue("id", out var ids) || await tokens.RevokeAsync(ids[0], cancellationToken).ConfigureAwait(false) is null)
        {
            await Console.Error.WriteLineAsync("geoawareness token revoke: --id names no token").ConfigureAwait(false);
            return 1;
        }

        await Console.Out.WriteLineAsync($"revoked {ids[0]}").ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> ListAsync(LocalTokens tokens, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        await foreach (var token in tokens.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            await Console.Out.WriteLineAsync(
                $"{token.Id}\t{CodeWords.Of(token.Role)}\t{token.Subject}\t{LocalTokens.State(token, now)}\texpires {token.ExpiresAt.ToDateTimeOffset():yyyy-MM-dd}\t{string.Join(',', token.Sectors)}")
                .ConfigureAwait(false);
        }

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
}
