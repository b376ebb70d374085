namespace Geo.Grpc.Hosting;

/// <summary>
/// The service's settings as the commands beside it read them: appsettings.json beside the
/// program, then environment variables, then <c>--Section:Key=value</c> settings, the last winning,
/// as for the service itself.
/// </summary>
public static class ServiceConfiguration
{
    public static IConfigurationRoot Read(IReadOnlyList<string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine([.. settings])
            .Build();
    }
}
