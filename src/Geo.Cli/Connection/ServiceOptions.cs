using System.CommandLine;

namespace Geo.Cli.Connection;

/// <summary>
/// The options every command that talks to the service shares: where it is and the caller's
/// token. Both fall back to environment variables so a token never has to sit in shell history.
/// </summary>
internal sealed class ServiceOptions
{
    public const string ServiceVariable = "GEOAWARE_SERVICE";
    public const string TokenVariable = "GEOAWARE_TOKEN";
    public const string DefaultService = "http://127.0.0.1:50051";

    public Option<Uri> Service { get; } = new("--service")
    {
        Description = $"gRPC address of the service (default: ${ServiceVariable}, else {DefaultService})",
        Recursive = true,
        HelpName = "url",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }

            result.AddError($"--service: '{text}' is not an http:// or https:// address");
            return null;
        },
    };

    public Option<string> Token { get; } = new("--token")
    {
        Description = $"bearer token (default: ${TokenVariable})",
        Recursive = true,
        HelpName = "token",
    };

    public void AddTo(Command root)
    {
        root.Options.Add(Service);
        root.Options.Add(Token);
    }

    public ServiceConnection Connect(ParseResult parse)
    {
        var address = parse.GetValue(Service) ?? FromEnvironment();
        var token = parse.GetValue(Token) ?? Environment.GetEnvironmentVariable(TokenVariable);
        return new ServiceConnection(address, string.IsNullOrWhiteSpace(token) ? null : token.Trim());
    }

    private static Uri FromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(ServiceVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return new Uri(DefaultService);
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri;
        }

        throw new CliException(ExitCodes.Usage, $"${ServiceVariable}: '{text}' is not an http:// or https:// address");
    }
}
