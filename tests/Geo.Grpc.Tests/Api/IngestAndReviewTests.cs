using Geo.Api;
using Geo.Api.V1;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;

namespace Geo.Grpc.Tests.Api;

public sealed class IngestAndReviewTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static IngestRequest Message(string prefix, int from, int count)
    {
        var message = new IngestRequest();
        message.Observations.AddRange(Enumerable.Range(from, count).Select(i => NewObservation($"{prefix}-{i:D4}", 29 + (i * 0.001), -1.5)));
        return message;
    }

    private async Task<IngestResponse> IngestAsync(params IngestRequest[] messages)
    {
        using var call = api.Channel.Observations.Ingest();
        foreach (var message in messages)
        {
            await call.RequestStream.WriteAsync(message, CancellationToken.None);
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    [Fact]
    public async Task Ingest_ManyMessages_StoresEveryObservationAndAReplayChangesNothing()
    {
        var messages = Enumerable.Range(0, 7).Select(m => Message("ingest", m * 9, 9)).ToArray();

        var first = await IngestAsync(messages);
        var replay = await IngestAsync(messages);

        Assert.Equal(63, first.Received);
        Assert.Equal(63, first.Stored);
        Assert.Equal(0, first.AlreadyStored);
        Assert.Equal(63, replay.Received);
        Assert.Equal(0, replay.Stored);
        Assert.Equal(63, replay.AlreadyStored);
        Assert.Equal(Enumerable.Range(0, 63).Select(i => $"ingest-{i:D4}"), replay.AlreadyStoredIds.Order(StringComparer.Ordinal));
        Assert.Equal(63L, await api.CountStoredAsync("ingest", 0, 63));
    }

    [Fact]
    public async Task Ingest_AKeySentAgainInALaterMessageOfTheSameCommit_IsStoredOnceAndListedAsAlreadyStored()
    {
        // Messages of 4 and commits of 10: the repeat of key 0002 lands in the same commit.
        var again = Message("resent", 4, 4);
        again.Observations[1] = NewObservation("resent-0002", 29.002, -1.5);

        var response = await IngestAsync(Message("resent", 0, 4), again);

        Assert.Equal((8L, 7L, 1L), (response.Received, response.Stored, response.AlreadyStored));
        Assert.Equal(["resent-0002"], response.AlreadyStoredIds);
        Assert.Equal(7L, await api.CountStoredAsync("resent", 0, 8));
    }

    [Fact]
    public async Task Ingest_BadMessageMidStream_KeepsTheMessagesBeforeItAndNothingOfItOrAfter()
    {
        var bad = Message("midbad", 20, 10);
        bad.Observations[3].Severity = 9;

        var detail = await FailsWith(StatusCode.InvalidArgument, () => IngestAsync(Message("midbad", 0, 10), Message("midbad", 10, 10), bad, Message("midbad", 30, 10)));

        Assert.StartsWith("requests[2].observations[3].severity: 9 is out of range 1..5", detail, StringComparison.Ordinal);
        Assert.Contains("Messages before requests[2] were stored (20 new", detail, StringComparison.Ordinal);
        Assert.Equal(20L, await api.CountStoredAsync("midbad", 0, 20));
        Assert.Equal(0L, await api.CountStoredAsync("midbad", 20, 20));
    }

    [Fact]
    public async Task Ingest_StreamBrokenByTheClient_KeepsWhatWasCommittedAndARetryCompletesIt()
    {
        using (var cancel = new CancellationTokenSource())
        {
            using var call = api.Channel.Observations.Ingest(new CallOptions(cancellationToken: cancel.Token));
            // Commits happen every 10 observations (see ApiFixture): the first two messages are committed once the second arrives.
            await call.RequestStream.WriteAsync(Message("broken", 0, 10), CancellationToken.None);
            await call.RequestStream.WriteAsync(Message("broken", 10, 10), CancellationToken.None);
            await WaitForCountAsync("broken", 20);
            await call.RequestStream.WriteAsync(Message("broken", 20, 5), CancellationToken.None);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => call.ResponseAsync);
        }

        Assert.Equal(20L, await api.CountStoredAsync("broken", 0, 25));
        var retry = await IngestAsync(Message("broken", 0, 10), Message("broken", 10, 10), Message("broken", 20, 5));
        Assert.Equal(5, retry.Stored);
        Assert.Equal(20, retry.AlreadyStored);
        Assert.Equal(25L, await api.CountStoredAsync("broken", 0, 25));
    }

    [Fact]
    public async Task Ingest_IdStoredWithOtherContent_FailsNamingMessageAndItem()
    {
        await api.SubmitAsync(NewObservation("stream-conflict-0003", 29.003, -1.5));
        var message = new IngestRequest();
        message.Observations.AddRange(Enumerable.Range(0, 5).Select(i => NewObservation($"stream-conflict-{i:D4}", 29.5, -1.5)));

        var detail = await FailsWith(StatusCode.AlreadyExists, () => IngestAsync(message));

        Assert.StartsWith("requests[0].observations[3].client_id: 'stream-conflict-0003' is already stored with other content", detail, StringComparison.Ordinal);
        Assert.Contains("Messages before requests[0] were stored (0 new, 0 already stored); nothing of requests[0] or after it", detail, StringComparison.Ordinal);
        Assert.Equal(1L, await api.CountStoredAsync("stream-conflict", 0, 5));
        var kept = await api.As(Geo.Core.Access.Role.Supervisor).Observations.GetAsync(new GetObservationRequest { Id = IdOf("stream-conflict-0003") }).ResponseAsync;
        Assert.Equal(29.003, kept.Location.Longitude);
    }

    [Fact]
    public async Task Ingest_ConflictInALaterCommit_SaysWhichMessagesAreStored()
    {
        // One commit per message of 10 (see ApiFixture); the third message's conflict is found
        // while the fourth is being received.
        await api.SubmitAsync(NewObservation("later-conflict-0025", 29.9, -1.5));

        var detail = await FailsWith(StatusCode.AlreadyExists, () => IngestAsync(
            Message("later-conflict", 0, 10), Message("later-conflict", 10, 10), Message("later-conflict", 20, 10), Message("later-conflict", 30, 10)));

        Assert.StartsWith("requests[2].observations[5].client_id: 'later-conflict-0025' is already stored with other content", detail, StringComparison.Ordinal);
        Assert.Contains("Messages before requests[2] were stored (20 new, 0 already stored); nothing of requests[2] or after it", detail, StringComparison.Ordinal);
        Assert.Equal(20L, await api.CountStoredAsync("later-conflict", 0, 20));
        Assert.Equal(1L, await api.CountStoredAsync("later-conflict", 20, 20));
    }

    [Fact]
    public async Task Ingest_UnknownCommunityInACommitOfTwoMessages_SaysTheFirstOfThemIsNotStored()
    {
        // Messages of 5 and commits of 10: requests[2] and [3] are one commit, refused for [3]'s
        // unknown community, so the good requests[2] is not stored either, and the error says so.
        var bad = Message("two-message", 15, 5);
        bad.Observations[1].CommunityId = "no-such-community";

        var detail = await FailsWith(StatusCode.NotFound, () => IngestAsync(
            Message("two-message", 0, 5), Message("two-message", 5, 5), Message("two-message", 10, 5), bad, Message("two-message", 20, 5)));

        Assert.StartsWith("requests[3].observations[1].community_id: no community 'no-such-community'", detail, StringComparison.Ordinal);
        Assert.Contains("Messages before requests[2] were stored (10 new, 0 already stored); nothing of requests[2] or after it", detail, StringComparison.Ordinal);
        Assert.Equal(10L, await api.CountStoredAsync("two-message", 0, 10));
        Assert.Equal(0L, await api.CountStoredAsync("two-message", 10, 15));
    }

    [Fact]
    public async Task Review_VerifyThenDiscredit_KeepsTheHistoryAndBumpsTheVersion()
    {
        await api.SubmitAsync(NewObservation("review-1"));
        var verified = await api.As(Geo.Core.Access.Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest
        {
            Id = IdOf("review-1"), Verification = VerificationStatus.Verified, ExpectedVersion = 1,
            Response = new Response { Actions = "Patrol dispatched", At = Time("2026-03-01T14:00:00Z") },
        }).ResponseAsync;
        var discredited = await api.As(Geo.Core.Access.Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest
        {
            Id = IdOf("review-1"), Verification = VerificationStatus.Discredited, Note = "Rumour traced to a market quarrel",
        }).ResponseAsync;
        var stale = await FailsWith(StatusCode.Aborted, () => api.As(Geo.Core.Access.Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = IdOf("review-1"), Verification = VerificationStatus.Verified, ExpectedVersion = 1 }).ResponseAsync);
        var history = await api.As(Geo.Core.Access.Role.Supervisor).Observations.GetHistoryAsync(new GetObservationRequest { Id = IdOf("review-1") }).ResponseAsync;

        Assert.Equal(2, verified.Version);
        Assert.Equal("Patrol dispatched", verified.Response.Actions);
        Assert.Equal(VerificationStatus.Discredited, discredited.Verification);
        Assert.Equal(3, discredited.Version);
        // The discrediting review recorded no response: the patrol sent earlier stays on record.
        Assert.Equal(("Patrol dispatched", Time("2026-03-01T14:00:00Z")), (discredited.Response.Actions, discredited.Response.At));
        Assert.Null(history.Reviews[1].Response);
        Assert.Contains("is at version 3, not the expected 1", stale, StringComparison.Ordinal);
        Assert.Equal([VerificationStatus.Verified, VerificationStatus.Discredited], history.Reviews.Select(r => r.Verification));
        Assert.Equal("Patrol dispatched", history.Reviews[0].Response.Actions);
        Assert.Equal("Rumour traced to a market quarrel", history.Reviews[1].Note);
    }

    [Fact]
    public async Task Review_BadInput_IsRefusedNamingTheField()
    {
        var unknown = await FailsWith(StatusCode.NotFound, () => api.As(Geo.Core.Access.Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = IdOf("review-none"), Verification = VerificationStatus.Verified }).ResponseAsync);
        var status = await FailsWith(StatusCode.InvalidArgument, () => api.As(Geo.Core.Access.Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = IdOf("review-none"), Verification = (VerificationStatus)8 }).ResponseAsync);

        Assert.Equal($"id: no observation '{IdOf("review-none")}'", unknown);
        Assert.StartsWith("verification: 8 is not a known VerificationStatus", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Referral_SubmittedToASection_IsListedForThatSectionOnlyAndIsIdempotent()
    {
        var referral = new Referral { ClientId = "ref-1", Section = ReferralSection.WomenProtection, ContactDetails = "Via the parish nurse, Tuesdays" };

        var first = await api.As(Geo.Core.Access.Role.Supervisor).Referrals.SubmitAsync(referral).ResponseAsync;
        var again = await api.As(Geo.Core.Access.Role.Supervisor).Referrals.SubmitAsync(referral).ResponseAsync;
        var women = await ListReferralsAsync(ReferralSection.WomenProtection);
        using var childProtection = await api.ChannelForAsync(Geo.Core.Access.Role.ReferralSection, "section-cp", section: Geo.Core.Domain.ReferralSection.ChildProtection);
        var children = await ListReferralsAsync(ReferralSection.ChildProtection, childProtection);
        var otherSection = await FailsWith(StatusCode.PermissionDenied, () => ListReferralsAsync(ReferralSection.WomenProtection, childProtection));
        var analyst = await FailsWith(StatusCode.PermissionDenied, () => ListReferralsAsync(ReferralSection.WomenProtection, api.As(Geo.Core.Access.Role.Analyst)));
        var changed = referral.Clone();
        changed.ContactDetails = "someone else";

        Assert.False(first.AlreadyStored);
        Assert.True(again.AlreadyStored);
        Assert.Equal([Geo.Core.Domain.IssuedIds.Referral(SubjectOf(Geo.Core.Access.Role.Supervisor), "ref-1")], women.Select(r => r.Id));
        Assert.Equal(women[0].Id, first.Id);
        Assert.Empty(children);
        Assert.StartsWith("section: your token reads only the referrals addressed to its own section", otherSection, StringComparison.Ordinal);
        Assert.Equal("test-supervisor", women[0].SubmittedBy);
        Assert.Equal("Via the parish nurse, Tuesdays", women[0].ContactDetails);
        Assert.NotEmpty(analyst);
        Assert.Equal($"client_id: referral '{first.Id}' (this client_id's) is already stored with other content", await FailsWith(StatusCode.AlreadyExists, () => api.As(Geo.Core.Access.Role.Supervisor).Referrals.SubmitAsync(changed).ResponseAsync));
        // A referral records the contact details and the section, nothing else of the case.
        Assert.Equal(
            "contact_details,content_hash,id,section,submitted_at,submitted_by",
            await api.Database.ScalarAsync<string>("SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_schema = 'confidential' AND table_name = 'referrals'"));
        Assert.Equal("Via the parish nurse, Tuesdays", await api.Database.ScalarAsync<string>($"SELECT contact_details FROM confidential.referrals WHERE id = '{first.Id}'"));
    }

    [Fact]
    public async Task ReferralAndSource_TheSameKeyFromAnotherSubmitter_AreStoredAsTheirOwnAndRevealNothing()
    {
        await api.SubmitAsync(NewObservation("shared-source-obs"));
        using var other = await api.ChannelForAsync(Geo.Core.Access.Role.Supervisor, "supervisor-keys");
        var referral = new Referral { ClientId = "shared-ref", Section = ReferralSection.HumanRights, ContactDetails = "first" };
        var source = new Source { ClientId = "shared-src", ObservationId = IdOf("shared-source-obs"), Kind = SourceKind.Other, Description = "first" };
        var theirReferral = referral.Clone();
        theirReferral.ContactDetails = "second";
        var theirSource = source.Clone();
        theirSource.Description = "second";

        var ours = await api.As(Geo.Core.Access.Role.Supervisor).Referrals.SubmitAsync(referral).ResponseAsync;
        var theirs = await other.Referrals.SubmitAsync(theirReferral).ResponseAsync;
        var ourSource = await api.As(Geo.Core.Access.Role.Supervisor).Observations.RecordSourceAsync(source).ResponseAsync;
        var theirSourceReceipt = await other.Observations.RecordSourceAsync(theirSource).ResponseAsync;

        Assert.False(theirs.AlreadyStored);
        Assert.NotEqual(ours.Id, theirs.Id);
        Assert.Equal(Geo.Core.Domain.IssuedIds.Referral("supervisor-keys", "shared-ref"), theirs.Id);
        Assert.NotEqual(ourSource.Id, theirSourceReceipt.Id);
        Assert.Equal(2L, await api.Database.ScalarAsync<long>($"SELECT count(*) FROM confidential.sources WHERE observation_id = '{IdOf("shared-source-obs")}'"));
    }

    [Fact]
    public async Task Referral_WithoutSectionOrContact_IsRefused()
    {
        var section = await FailsWith(StatusCode.InvalidArgument, () => api.As(Geo.Core.Access.Role.Supervisor).Referrals.SubmitAsync(new Referral { ClientId = "ref-2", ContactDetails = "x" }).ResponseAsync);
        var contact = await FailsWith(StatusCode.InvalidArgument, () => api.As(Geo.Core.Access.Role.Supervisor).Referrals.SubmitAsync(new Referral { ClientId = "ref-2", Section = ReferralSection.HumanRights }).ResponseAsync);

        Assert.Equal("section: is required", section);
        Assert.StartsWith("contact_details: is required", contact, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordSource_IsKeptApartFromTheObservation()
    {
        await api.SubmitAsync(NewObservation("sourced-1"));

        var receipt = await api.As(Geo.Core.Access.Role.Supervisor).Observations.RecordSourceAsync(new Source
        {
            ClientId = "src-1", ObservationId = IdOf("sourced-1"), Kind = SourceKind.CommunityLeader, Description = "Village chief", Contact = "+243 000",
        }).ResponseAsync;
        var unknown = await FailsWith(StatusCode.NotFound, () => api.As(Geo.Core.Access.Role.Supervisor).Observations.RecordSourceAsync(new Source { ClientId = "src-2", ObservationId = IdOf("nope"), Kind = SourceKind.Other }).ResponseAsync);
        var read = await api.As(Geo.Core.Access.Role.Supervisor).Observations.GetSourcesAsync(new GetObservationRequest { Id = IdOf("sourced-1") }).ResponseAsync;
        var analyst = await FailsWith(StatusCode.PermissionDenied, () => api.As(Geo.Core.Access.Role.Analyst).Observations.GetSourcesAsync(new GetObservationRequest { Id = IdOf("sourced-1") }).ResponseAsync);

        Assert.Equal(Geo.Core.Domain.IssuedIds.Source(SubjectOf(Geo.Core.Access.Role.Supervisor), "src-1"), receipt.Id);
        Assert.Equal($"observation_id: no observation '{IdOf("nope")}'", unknown);
        // Kept in its own table of the confidential schema, read only through GetSources by the supervisor chain.
        Assert.Equal(1L, await api.Database.ScalarAsync<long>($"SELECT count(*) FROM confidential.sources WHERE observation_id = '{IdOf("sourced-1")}'"));
        var source = Assert.Single(read.Sources);
        Assert.Equal(("Village chief", "+243 000"), (source.Description, source.Contact));
        Assert.NotEmpty(analyst);
    }

    private async Task<List<Referral>> ListReferralsAsync(ReferralSection section, GeoAwarenessClient? channel = null)
    {
        using var call = (channel ?? api.As(Geo.Core.Access.Role.ReferralSection)).Referrals.List(new ListReferralsRequest { Section = section });
        var list = new List<Referral>();
        await foreach (var referral in call.ResponseStream.ReadAllAsync())
        {
            list.Add(referral);
        }

        return list;
    }

    private async Task WaitForCountAsync(string prefix, long expected)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await api.CountStoredAsync(prefix, 0, (int)expected) >= expected)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{expected} rows under {prefix}-* never appeared");
    }
}
