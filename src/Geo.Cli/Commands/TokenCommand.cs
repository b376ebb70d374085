using System.CommandLine;
using Microsoft.Extensions.Logging;
using Geo.Api.V1;
using Geo.Cli.Arguments;
using Geo.Cli.Connection;
using Geo.Cli.Output;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Geo.Grpc.Hosting;
using CoreRole = Geo.Core.Access.Role;
using CoreSection = Geo.Core.Domain.ReferralSection;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware token issue|revoke|list</c>: tokens through the Access service with an administrator's
/// token, or with <c>--local</c> straight on the database (the very first administrator token), by
/// the same code as <c>geoawareness token</c>.
/// </summary>
internal static class TokenCommand
{
    private static readonly Option<bool> Local = new("--local")
    {
        Description = "work straight on the database with the service's configuration, not through the service (for the first administrator token)",
        Recursive = true,
    };

    public static Command Create(CliContext context)
    {
        var command = new Command("token",
            "Issue, revoke and list bearer tokens (an administrator's token, or --local on the database).\n\n" +
            "Examples:\n" +
            "  geoaware token issue --local --role administrator --subject admin-1 --days 30\n" +
            "  geoaware token issue --role analyst --subject jmac-analyst-3 --sector north --days 90\n" +
            "  geoaware token list");
        command.Options.Add(Local);
        foreach (var verb in new[] { Issue(context), Revoke(context), List(context) })
        {
            DatabaseOptions.AddTo(verb);
            command.Subcommands.Add(verb);
        }

        return command;
    }

    private static Command Issue(CliContext context)
    {
        var role = CliOptions.Code<CoreRole>("--role", "what the token may do");
        role.Required = true;
        var subject = new Option<string>("--subject") { Description = "who the token is for: a CLA's pseudonymous id, a person's id, a system's name", Required = true };
        var sectors = new Option<string[]>("--sector") { Description = "limit the token to this sector (repeatable); none for the whole mission", Arity = ArgumentArity.ZeroOrMore };
        var section = CliOptions.Code<CoreSection>("--section", "for a referral-section token, the section whose referrals it reads");
        var days = CliOptions.Count("--days", $"how long the token is valid, default {TokenIssuer.DefaultValidDays}", 1, TokenIssuer.MaxValidDays);
        var note = new Option<string>("--note") { Description = "why the token was issued, kept with it" };
        var command = new Command("issue",
            "Issue a token. The token goes to stdout (shown only once); what was issued goes to stderr.\n\n" +
            "Examples:\n" +
            "  geoaware token issue --local --role administrator --subject admin-1 --days 30\n" +
            "  geoaware token issue --role importer --subject sage-prod --note \"SAGE nightly import\"\n" +
            "  geoaware token issue --role referral-section --subject hr-desk --section human-rights")
        {
            role, subject, sectors, section, days, note,
        };
        RunEither(context, command, async (parse, tokens, cancellationToken) =>
        {
            var request = new TokenRequest(
                parse.GetValue(role)!.Value, parse.GetValue(subject) ?? string.Empty, parse.GetValue(sectors) ?? [], null,
                parse.GetValue(section), parse.GetValue(days) ?? 0, parse.GetValue(note) ?? string.Empty);
            var errors = new FieldErrors();
            var issued = await tokens.IssueAsync(request, errors, cancellationToken).ConfigureAwait(false);
            if (issued is null)
            {
                var first = errors.First!;
                throw new CliException(ExitCodes.Failed, $"{LocalTokens.OptionOf(first.Field)}: {first.Message}");
            }

            await ReportIssuedAsync(context, issued).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, async (parse, service, cancellationToken) =>
        {
            var request = new IssueTokenRequest
            {
                Role = (Role)parse.GetValue(role)!.Value,
                Subject = parse.GetValue(subject) ?? string.Empty,
                ReferralSection = (ReferralSection)(parse.GetValue(section) ?? 0),
                ValidDays = parse.GetValue(days) ?? 0,
                Note = parse.GetValue(note) ?? string.Empty,
            };
            request.Sectors.AddRange(parse.GetValue(sectors) ?? []);
            var issued = await service.Api.Access.IssueTokenAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
            await ReportIssuedAsync(context, issued).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Revoke(CliContext context)
    {
        var id = new Option<string>("--id") { Description = "the token's id (the first column of token list)", Required = true };
        var command = new Command("revoke",
            "Revoke a token at once: every later call with it is refused.\n\n" +
            "Examples:\n" +
            "  geoaware token revoke --id 6f1c2a9b\n" +
            "  geoaware token revoke --local --id 6f1c2a9b")
        {
            id,
        };
        RunEither(context, command, async (parse, tokens, cancellationToken) =>
        {
            var revoked = await tokens.RevokeAsync(parse.GetValue(id)!, cancellationToken).ConfigureAwait(false)
                ?? throw new CliException(ExitCodes.Failed, $"--id: no token '{parse.GetValue(id)}'");
            await context.Output.WriteLineAsync($"revoked {revoked.Id}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }, async (parse, service, cancellationToken) =>
        {
            var revoked = await service.Api.Access.RevokeTokenAsync(new RevokeTokenRequest { Id = parse.GetValue(id)! }, service.Options(cancellationToken))
                .ConfigureAwait(false);
            await context.Output.WriteLineAsync($"revoked {revoked.Id}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("list",
            "List tokens as a table: id, role, subject, scope, state (active, expired, revoked), expiry.\n\n" +
            "Examples:\n" +
            "  geoaware token list\n" +
            "  geoaware token list --local --data-directory .geoaware/postgres");
        RunEither(context, command, async (_, tokens, cancellationToken) =>
        {
            await WriteTableAsync(context, tokens.ListAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, async (_, service, cancellationToken) =>
        {
            await WriteTableAsync(context, service.StreamAsync(o => service.Api.Access.ListTokens(new ListTokensRequest(), o), cancellationToken), cancellationToken)
                .ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The command works through the service, or with --local on the database by <see cref="LocalTokens"/>.</summary>
    private static void RunEither(
        CliContext context, Command command,
        Func<ParseResult, LocalTokens, CancellationToken, Task<int>> local,
        Func<ParseResult, ServiceConnection, CancellationToken, Task<int>> remote)
    {
        context.OnService(command, (parse, service, cancellationToken) =>
            parse.GetValue(Local)
                ? DatabaseOptions.GuardAsync(async () =>
                {
                    await using var database = await PrivateDatabase.StartIfNeededAsync(DatabaseOptions.Settings(parse), LogLevel.Warning, cancellationToken).ConfigureAwait(false);
                    return await LocalTokens.WithDatabaseAsync(database.Settings, database.IsPrivate, tokens => local(parse, tokens, cancellationToken), cancellationToken)
                        .ConfigureAwait(false);
                })
                : RequireNoSettings(parse, () => remote(parse, service, cancellationToken)));
    }

    private static Task<int> RequireNoSettings(ParseResult parse, Func<Task<int>> remote)
    {
        if (DatabaseOptions.Settings(parse).Count > 0)
        {
            throw new CliException(ExitCodes.Usage, "--connection, --data-directory and settings are for --local: without it the command goes through the service");
        }

        return remote();
    }

    private static async Task ReportIssuedAsync(CliContext context, IssuedToken issued)
    {
        var info = issued.Info;
        await context.Output.WriteLineAsync(issued.Token).ConfigureAwait(false);
        await context.Error.WriteLineAsync(
            $"issued {info.Id} ({CodeWords.Of(info.Role)} for {info.Subject}, expires {info.ExpiresAt.ToDateTimeOffset():yyyy-MM-dd}); the token above is shown only once")
            .ConfigureAwait(false);
    }

    private static async Task WriteTableAsync(CliContext context, IAsyncEnumerable<TokenInfo> tokens, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var table = Tables.Create("id", "role", "subject", "scope", "state", "expires", "issued by");
        await foreach (var token in tokens.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var scope = new List<string>();
            if (token.Sectors.Count > 0)
            {
                scope.Add($"sectors {string.Join(',', token.Sectors)}");
            }

            if (token.Area is not null)
            {
                scope.Add("area");
            }

            if (token.ReferralSection != ReferralSection.Unspecified)
            {
                scope.Add(CodeWords.Of(token.ReferralSection));
            }

            Tables.AddRow(table, token.Id, CodeWords.Of(token.Role), token.Subject, scope.Count == 0 ? "mission" : string.Join("; ", scope),
                LocalTokens.State(token, now), $"{token.ExpiresAt.ToDateTimeOffset():yyyy-MM-dd}", token.IssuedBy);
        }

        Tables.Write(context, table);
    }
}
