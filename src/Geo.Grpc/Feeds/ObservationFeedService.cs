using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Privacy;
using Geo.Exporters.Feeds;
using Geo.Exporters.GeoJson;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Grpc.Core;
using Geo.Storage.Feeds;
using Microsoft.Extensions.Options;

namespace Geo.Grpc.Feeds;

/// <summary>
/// What an importer asks of the observation feed, over gRPC or HTTP alike. <paramref name="LimitGiven"/>:
/// the URL named a limit (proto3 cannot tell a limit of 0 from none; over gRPC 0 is the default).
/// </summary>
internal sealed record FeedPullRequest(string? Cursor, int Limit, bool All, string? IfNoneMatch, bool LimitGiven = false)
{
    public static FeedPullRequest From(Geo.Api.V1.PullObservationsRequest request) => new(request.Cursor, request.Limit, request.All, request.IfNoneMatch);
}

/// <summary>The end of a written page: what the importer sends next, and whether more is waiting.</summary>
internal sealed record FeedPageEnd(string NextCursor, long Features, bool More);

/// <summary>
/// The observation feed behind both gRPC (Feeds.PullObservations) and HTTP (GET /feeds/observations):
/// one validation, one snapshot, one writer, so both give the same bytes.
/// </summary>
internal sealed class ObservationFeedService(ObservationFeed feed, Geo.Storage.ReadPool reads, LocationPrivacy privacy, IOptions<FeedOptions> options)
{
    /// <summary>The path under which each record can be pulled again (the url of its feature).</summary>
    public const string RecordPath = "/feeds/observations/";

    private static readonly System.Text.Json.JsonEncodedText NextCursorName = System.Text.Json.JsonEncodedText.Encode("next_cursor");

    /// <summary>
    /// Checks the request (INVALID_ARGUMENT naming the field), opens a snapshot of the feed for
    /// the caller, and works out the page's ETag. Dispose the pull when done.
    /// </summary>
    public async Task<ObservationFeedPull> OpenAsync(FeedPullRequest request, Caller caller, CancellationToken cancellationToken)
    {
        var (after, limit) = Checked(request);
        var sight = await privacy.SightAsync(caller, new ObservationFilter(), cancellationToken).ConfigureAwait(false);
        var snapshot = await OpenSnapshotAsync(sight, after, cancellationToken).ConfigureAwait(false);
        if (after.Xid >= snapshot.Horizon)
        {
            // A position no transaction of this database has reached: given by a database that
            // was since restored from a backup, or that failed over to a standby which had not
            // received everything. Pages from it would be empty until new writes passed it, and
            // then skip those writes: the importer must be told.
            await snapshot.DisposeAsync().ConfigureAwait(false);
            throw new RpcException(new Status(StatusCode.OutOfRange,
                "cursor: is ahead of the feed (it names a transaction this database has not reached, as after a restore or a failover that lost writes): " +
                "pull again from a cursor received before then, or from the start (no cursor)"));
        }

        var etag = ETag(caller, request, snapshot.Head);
        var notModified = request.IfNoneMatch is { Length: > 0 } match && Matches(match, etag);
        return new ObservationFeedPull(snapshot, after, limit, etag, notModified, sight);
    }

    /// <summary>
    /// On the standby when reads go there, unless the importer has already read everything the
    /// standby can give it (its cursor came from the primary, or the standby lags): then on the
    /// primary, so a caught-up importer is never held back by the standby's lag, and never told
    /// its position is from the future.
    /// </summary>
    private async Task<FeedSnapshot> OpenSnapshotAsync(ObservationSight sight, FeedPosition after, CancellationToken cancellationToken)
    {
        var pool = reads.Current;
        if (ReferenceEquals(pool, reads.Primary))
        {
            return await feed.OpenAsync(sight.Visibility, cancellationToken).ConfigureAwait(false);
        }

        var standby = await ObservationFeed.OpenAsync(sight.Visibility, pool, cancellationToken).ConfigureAwait(false);
        if (standby.Head is { } head && head.CompareTo(after) > 0)
        {
            return standby;
        }

        await standby.DisposeAsync().ConfigureAwait(false);
        return await feed.OpenAsync(sight.Visibility, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the page as one FeatureCollection and says where the next one starts.</summary>
    public async Task<FeedPageEnd> WriteAsync(ObservationFeedPull pull, GeoJsonWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pull);
        ArgumentNullException.ThrowIfNull(writer);
        var sight = pull.Sight;
        var features = new ObservationFeatureWriter(writer, RecordUrlPrefix);
        var last = pull.After;
        var count = 0L;
        var more = false;
        writer.BeginFeatureCollection();
        if (pull.Limit is not { } limit)
        {
            await foreach (var record in pull.Snapshot.ReadAllAfterAsync(pull.After, cancellationToken).ConfigureAwait(false))
            {
                if (Deliver(record, sight) is { } delivered)
                {
                    features.Write(delivered.Stored, record.ChangedAt, delivered.Location);
                    count++;
                    await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            if (pull.Snapshot.Head is { } head && head > pull.After)
            {
                // Read out of order, the export ends at the snapshot's head: everything up to it was delivered.
                last = head;
            }
        }
        else
        {
            // One more than the page is read: it says whether another page is waiting, and is not
            // written. A coarsened importer's scope is decided on the coarse point, here, so a batch
            // may hold records it does not get: then the next batch is read after it.
            var position = pull.After;
            var exhausted = false;
            while (!more && !exhausted)
            {
                var read = 0;
                await foreach (var record in pull.Snapshot.ReadAfterAsync(position, limit + 1, cancellationToken).ConfigureAwait(false))
                {
                    read++;
                    position = record.Position;
                    if (Deliver(record, sight) is not { } delivered)
                    {
                        continue;
                    }

                    if (count == limit)
                    {
                        more = true;
                        break;
                    }

                    features.Write(delivered.Stored, record.ChangedAt, delivered.Location);
                    last = record.Position;
                    count++;
                    await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
                }

                exhausted = read <= limit;
            }

            if (exhausted)
            {
                // What was read past the last feature is not the importer's: the next page starts after it.
                last = position;
            }
        }

        var next = FeedCursor.Format(last);
        writer.EndFeatureCollection(json =>
        {
            json.WriteNumber("total", count);
            json.WriteString(NextCursorName, next);
            json.WriteBoolean("more", more);
            json.WriteString("feed", "observations");
        });
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return new FeedPageEnd(next, count, more);
    }

    /// <summary>
    /// One record as a FeatureCollection of one feature (the url of each feature), or NOT_FOUND
    /// when it does not exist, the caller may not see it, or it is not settled yet.
    /// </summary>
    public async Task WriteOneAsync(string id, Caller caller, GeoJsonWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var sight = await privacy.SightAsync(caller, new ObservationFilter(), cancellationToken).ConfigureAwait(false);
        await using var snapshot = await feed.OpenAsync(sight.Visibility, cancellationToken).ConfigureAwait(false);
        var record = await snapshot.ReadOneAsync(id, cancellationToken).ConfigureAwait(false);
        var community = record?.Stored.Observation.CommunityId;
        if (community is not null && sight.Policy.Method == CoarseningMethod.CommunityCentroid)
        {
            sight = await privacy.SightAsync(caller, new ObservationFilter(), cancellationToken, [community]).ConfigureAwait(false);
        }

        var delivered = (record is null ? null : Deliver(record, sight)) ?? throw new RpcException(new Status(StatusCode.NotFound, $"id: no observation '{id}' in the feed"));
        writer.BeginFeatureCollection();
        new ObservationFeatureWriter(writer, RecordUrlPrefix).Write(delivered.Stored, record!.ChangedAt, delivered.Location);
        writer.EndFeatureCollection(json =>
        {
            json.WriteNumber("total", 1);
            json.WriteString("feed", "observations");
        });
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Absolute with a configured public address, else relative to the service: the same bytes over gRPC and HTTP.</summary>
    private string RecordUrlPrefix => (options.Value.PublicUrl?.TrimEnd('/') ?? string.Empty) + RecordPath;

    /// <summary>The record as the importer gets it (its point and precision after any coarsening), or null when its coarse point is outside the importer's scope.</summary>
    private static (StoredObservation Stored, DeliveredLocation Location)? Deliver(FeedRecord record, ObservationSight sight)
    {
        if (sight.Deliver(record.Stored) is not { } delivered)
        {
            return null;
        }

        var observation = delivered.Observation;
        return (delivered, new DeliveredLocation(observation.Location, observation.Precision, sight.Coarsening is not null));
    }

    private (FeedPosition After, int? Limit) Checked(FeedPullRequest request)
    {
        var (after, error) = FeedCursor.Parse(request.Cursor);
        if (error is not null)
        {
            throw ApiErrors.InvalidArgument("cursor", error);
        }

        var max = options.Value.MaxPageSize;
        if (request.All)
        {
            return request.Limit == 0 && !request.LimitGiven
                ? (after, null)
                : throw ApiErrors.InvalidArgument("limit", "must be left out (0) when all is set: a full export has no page size");
        }

        if (request.LimitGiven && request.Limit == 0)
        {
            throw ApiErrors.InvalidArgument("limit", $"0 is not a page size: give 1 to {max}, or leave limit out for the default of {options.Value.DefaultPageSize}; for everything at once set all");
        }

        if (request.Limit < 0 || request.Limit > max)
        {
            throw ApiErrors.InvalidArgument("limit", $"must be between 1 and {max} features per page (or 0 for the default of {options.Value.DefaultPageSize}); for everything at once set all");
        }

        return (after, request.Limit == 0 ? options.Value.DefaultPageSize : request.Limit);
    }

    /// <summary>
    /// The page is determined by who asks (scope and coarsening come with the token), where it
    /// starts and how long it is, and the feed's head: a new or changed record moves the head.
    /// </summary>
    private static string ETag(Caller caller, FeedPullRequest request, FeedPosition? head)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"observations/1|{caller.TokenId}|{caller.Role}|{request.Cursor}|{request.Limit}|{request.All}|{head?.Xid}|{head?.Id}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
    }

    /// <summary>If-None-Match may list several tags, quoted or weak; "*" matches any.</summary>
    private static bool Matches(string ifNoneMatch, string etag) =>
        ifNoneMatch.Split(',').Select(t => t.Trim()).Any(t => t == "*" || t.TrimStart('W', '/').Trim('"') == etag);
}

/// <summary>One pull in progress: the snapshot it reads and what was asked.</summary>
internal sealed class ObservationFeedPull(FeedSnapshot snapshot, FeedPosition after, int? limit, string etag, bool notModified, ObservationSight sight) : IAsyncDisposable
{
    public FeedSnapshot Snapshot { get; } = snapshot;

    public FeedPosition After { get; } = after;

    public int? Limit { get; } = limit;

    public string ETag { get; } = etag;

    public bool NotModified { get; } = notModified;

    /// <summary>How the importer's records are coarsened and narrowed to its scope.</summary>
    public ObservationSight Sight { get; } = sight;

    public ValueTask DisposeAsync() => Snapshot.DisposeAsync();
}
