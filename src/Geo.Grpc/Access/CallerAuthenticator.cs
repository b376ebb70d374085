using System.Collections.Concurrent;
using Geo.Core.Access;
using Grpc.Core;
using Geo.Storage.Access;
using Microsoft.Extensions.Options;

namespace Geo.Grpc.Access;

/// <summary>
/// Turns the <c>authorization: Bearer</c> header of a call or request into a <see cref="Caller"/>,
/// or into the status that refuses it. Verified tokens are cached briefly so that a call pays
/// for a dictionary lookup and a hash, not a database round trip; a revocation or a redrawn
/// sector drops the cached entries at once, whichever process made it (<see cref="AccessChangeListener"/>).
/// </summary>
public sealed class CallerAuthenticator(AccessStore store, IOptions<AccessOptions> options, TimeProvider clock)
{
    private const string BearerPrefix = "Bearer ";
    private static readonly Status Unauthenticated = new(StatusCode.Unauthenticated, "a valid bearer token is required in the authorization metadata");

    private readonly ConcurrentDictionary<string, CachedToken> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RateBucket> _buckets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<CachedToken?>> _fetching = new(StringComparer.Ordinal);

    /// <summary>Counts the times entries were dropped: a read that began before one is not cached.</summary>
    private long _drops;

    /// <summary>The caller, or the status that refuses the call.</summary>
    public async ValueTask<(Caller? Caller, Status? Refusal)> AuthenticateAsync(string? authorization, CancellationToken cancellationToken)
    {
        var presented = authorization is not null && authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)
            ? authorization[BearerPrefix.Length..].Trim()
            : null;
        if (BearerToken.Parse(presented) is not { } parts)
        {
            return (null, Unauthenticated);
        }

        var now = clock.GetUtcNow();
        var cached = await LookUpAsync(parts.Id, now, cancellationToken).ConfigureAwait(false);
        if (cached is null || !SecretMatches(cached, parts.Secret)
            || cached.Token.RevokedAt is not null || cached.Token.ExpiresAt <= now)
        {
            // One answer for unknown, forged, revoked and expired: nothing to learn by probing.
            return (null, Unauthenticated);
        }

        if (!Bucket(parts.Id).TryTake(now))
        {
            return (null, new Status(StatusCode.ResourceExhausted,
                $"this token made more than {options.Value.RequestsPerSecondPerToken:0} calls per second; slow down and retry"));
        }

        return (cached.Caller, null);
    }

    /// <summary>
    /// The caller a stored token stands for while it is valid (not revoked, not expired), or null:
    /// for work the service does on a token's behalf with no secret presented (a webhook).
    /// </summary>
    public async ValueTask<Caller?> CallerOfTokenAsync(string tokenId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var cached = await LookUpAsync(tokenId, now, cancellationToken).ConfigureAwait(false);
        return cached is null || cached.Token.RevokedAt is not null || cached.Token.ExpiresAt <= now ? null : cached.Caller;
    }

    /// <summary>
    /// Hashes the presented secret once per cached entry; after that, a constant-time comparison
    /// with the secret already proven is enough (and cheaper than SHA-256 on every call).
    /// </summary>
    private static bool SecretMatches(CachedToken cached, string secret)
    {
        if (cached.VerifiedSecret is { } known)
        {
            return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(known.AsSpan()), System.Runtime.InteropServices.MemoryMarshal.AsBytes(secret.AsSpan()));
        }

        if (!BearerToken.Matches(cached.Token.Salt, cached.Token.SecretHash, secret))
        {
            return false;
        }

        cached.VerifiedSecret = secret;
        return true;
    }

    /// <summary>Forgets a token at once (after revocation).</summary>
    public void Forget(string tokenId)
    {
        Interlocked.Increment(ref _drops);
        _cache.TryRemove(tokenId, out _);
    }

    /// <summary>Forgets every token (a sector changed, or revocations may have gone unheard).</summary>
    public void ForgetAll()
    {
        Interlocked.Increment(ref _drops);
        _cache.Clear();
    }

    private ValueTask<CachedToken?> LookUpAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lifetime = TimeSpan.FromSeconds(options.Value.TokenCacheSeconds);
        if (_cache.TryGetValue(id, out var cached) && cached.FetchedAt + lifetime > now)
        {
            // Read the token again a little ahead of expiry, once and in the background, while calls
            // go on using the entry (still within its lifetime). Otherwise every call in flight at
            // expiry misses together and each queries the database, queueing behind the calls'
            // own queries for a connection.
            if (cached.FetchedAt + (lifetime * 0.8) <= now)
            {
                _ = FetchOnceAsync(id).ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return ValueTask.FromResult<CachedToken?>(cached);
        }

        return new ValueTask<CachedToken?>(FetchOnceAsync(id).WaitAsync(cancellationToken));
    }

    /// <summary>One read of a token at a time: concurrent misses share it.</summary>
    private Task<CachedToken?> FetchOnceAsync(string id)
    {
        var pending = new TaskCompletionSource<CachedToken?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _fetching.GetOrAdd(id, pending.Task);
        if (running != pending.Task)
        {
            return running;
        }

        _ = CompleteFetchAsync(id, pending);
        return pending.Task;
    }

    private async Task CompleteFetchAsync(string id, TaskCompletionSource<CachedToken?> pending)
    {
        try
        {
            var fetched = await FetchAsync(id, CancellationToken.None).ConfigureAwait(false);
            _fetching.TryRemove(new KeyValuePair<string, Task<CachedToken?>>(id, pending.Task));
            pending.SetResult(fetched);
        }
        catch (Exception e)
        {
            _fetching.TryRemove(new KeyValuePair<string, Task<CachedToken?>>(id, pending.Task));
            pending.SetException(e);
        }
    }

    private async Task<CachedToken?> FetchAsync(string id, CancellationToken cancellationToken)
    {
        var drops = Interlocked.Read(ref _drops);
        var token = await store.FindTokenAsync(id, cancellationToken).ConfigureAwait(false);
        if (token is null)
        {
            _cache.TryRemove(id, out _);
            return null;
        }

        var area = token.Area;
        if (token.Sectors.Count > 0)
        {
            var sectors = await store.SectorAreaAsync(token.Sectors, cancellationToken).ConfigureAwait(false);
            // A token scoped to sectors that no longer exist sees nothing rather than everything.
            sectors ??= Geo.Core.Spatial.ShapeReader.Factory.CreateMultiPolygon();
            area = area is null ? sectors : area.Intersection(sectors);
        }

        var fresh = new CachedToken(token, new Caller(token.Id, token.Subject, token.Role, area, token.Section), clock.GetUtcNow());
        // What was read may predate a revocation heard meanwhile: it answers the calls waiting on
        // this read, which began before it, but is not kept for later ones.
        if (Interlocked.Read(ref _drops) == drops)
        {
            _cache[id] = fresh;
        }

        return fresh;
    }

    private RateBucket Bucket(string tokenId) =>
        _buckets.TryGetValue(tokenId, out var bucket)
            ? bucket
            : _buckets.GetOrAdd(tokenId, new RateBucket(options.Value.RequestsPerSecondPerToken, options.Value.BurstPerToken, clock.GetUtcNow()));

    private sealed record CachedToken(StoredToken Token, Caller Caller, DateTimeOffset FetchedAt)
    {
        /// <summary>The secret this entry has already been proven against (never stored anywhere else).</summary>
        public string? VerifiedSecret { get; set; }
    }

    /// <summary>A token bucket: refills at the sustained rate, holds up to the burst.</summary>
    private sealed class RateBucket
    {
        private readonly Lock _gate = new();
        private readonly double _perSecond;
        private readonly double _burst;
        private double _tokens;
        private DateTimeOffset _last;

        public RateBucket(double perSecond, double burst, DateTimeOffset start)
        {
            _perSecond = perSecond;
            _burst = burst;
            _tokens = burst;
            _last = start;
        }

        public bool TryTake(DateTimeOffset now)
        {
            lock (_gate)
            {
                _tokens = Math.Min(_burst, _tokens + ((now - _last).TotalSeconds * _perSecond));
                _last = now;
                if (_tokens < 1)
                {
                    return false;
                }

                _tokens--;
                return true;
            }
        }
    }
}
