namespace Geo.Cli.Ingest;

/// <summary>What the service did with the rows sent.</summary>
internal sealed record SendOutcome(long Stored, long AlreadyStored, bool Refused)
{
    public static SendOutcome Nothing { get; } = new(0, 0, false);
}
