using Geo.Api.V1;
using Grpc.Core;
using Geo.Grpc.Tests.Api;
using Npgsql;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Access;

/// <summary>Who read a source or a referral, who changed a verification or a deployment, who issued or revoked a token: recorded, and never changed.</summary>
public sealed class AuditTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private async Task<List<AuditEntry>> AuditAsync(string targetKind, string targetId)
    {
        var entries = await AccessCalls.ReadAllAsync(api.As(Role.Administrator).Access.QueryAudit(new QueryAuditRequest { TargetKind = targetKind, TargetId = targetId }));
        return entries;
    }

    [Fact]
    public async Task GetSources_BySupervisor_IsAuditedUnderTheTokenSubject()
    {
        await api.SubmitAsync(NewObservation("audit-source-1"));
        await api.As(Role.Supervisor).Observations.RecordSourceAsync(new Source { ClientId = "audit-src-1", ObservationId = IdOf("audit-source-1"), Kind = SourceKind.CommunityLeader, Description = "chief", Contact = "+243 000" }).ResponseAsync;

        var sources = await api.As(Role.Supervisor).Observations.GetSourcesAsync(new GetObservationRequest { Id = IdOf("audit-source-1") }).ResponseAsync;
        var entries = await AuditAsync("observation", IdOf("audit-source-1"));

        Assert.Single(sources.Sources);
        var read = Assert.Single(entries, e => e.Action == "source.read");
        Assert.Equal("test-supervisor", read.Actor);
        Assert.Contains(entries, e => e.Action == "source.record" && e.Actor == "test-supervisor");
    }

    [Fact]
    public async Task ReferralsList_ByItsSection_IsAudited()
    {
        await api.As(Role.Cla).Referrals.SubmitAsync(new Referral { ClientId = "audit-referral-1", Section = ReferralSection.WomenProtection, ContactDetails = "via the women's association" }).ResponseAsync;

        var listed = await AccessCalls.ReadAllAsync(api.As(Role.ReferralSection).Referrals.List(new ListReferralsRequest { Section = ReferralSection.WomenProtection }));
        var entries = await AuditAsync("referral_section", ReferralSection.WomenProtection.ToString());

        Assert.Contains(listed, r => r.Id == Geo.Core.Domain.IssuedIds.Referral(SubjectOf(Role.Cla), "audit-referral-1"));
        Assert.Contains(entries, e => e.Action == "referral.read" && e.Actor == "test-referralsection");
    }

    [Fact]
    public async Task Review_IsAuditedWithTheNewVerification()
    {
        await api.SubmitAsync(NewObservation("audit-review-1"));

        await api.As(Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = IdOf("audit-review-1"), Verification = VerificationStatus.Verified, Note = "confirmed by the chief" }).ResponseAsync;
        var entries = await AuditAsync("observation", IdOf("audit-review-1"));

        var review = Assert.Single(entries, e => e.Action == "observation.review");
        Assert.Equal("test-supervisor", review.Actor);
        Assert.Contains("Verified", review.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateDeployment_IsAudited()
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Base
        {
            Id = "audit-base", Name = "Audit base", Kind = BaseKind.OperatingBase, Location = new GeoPoint { Longitude = 29.3, Latitude = -1.6 },
            OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
        }).ResponseAsync;

        await api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment { Id = "audit-deployment-1", ClaId = "cla-audit", Sex = Sex.Female, BaseId = "audit-base", From = new CalendarDate { Year = 2026, Month = 1, Day = 1 } }).ResponseAsync;
        var entries = await AuditAsync("deployment", "audit-deployment-1");

        var created = Assert.Single(entries, e => e.Action == "deployment.create");
        Assert.Equal("test-supervisor", created.Actor);
    }

    [Fact]
    public async Task IssueAndRevokeToken_AreBothAuditedUnderTheAdministrator()
    {
        var issued = await api.As(Role.Administrator).Access.IssueTokenAsync(new IssueTokenRequest { Role = Geo.Api.V1.Role.Analyst, Subject = "audit-analyst", ValidDays = 7 }).ResponseAsync;
        await api.As(Role.Administrator).Access.RevokeTokenAsync(new RevokeTokenRequest { Id = issued.Info.Id }).ResponseAsync;

        var entries = await AuditAsync("token", issued.Info.Id);

        Assert.Equal(["token.issue", "token.revoke"], entries.OrderBy(e => e.Id).Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal("test-administrator", e.Actor));
        Assert.DoesNotContain(issued.Token, string.Concat(entries.Select(e => e.Details)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryAudit_ByActor_ListsOnlyThatActor()
    {
        await api.SubmitAsync(NewObservation("audit-actor-1"));
        await api.As(Role.Supervisor).Observations.GetSourcesAsync(new GetObservationRequest { Id = IdOf("audit-actor-1") }).ResponseAsync;

        var entries = await AccessCalls.ReadAllAsync(api.As(Role.Administrator).Access.QueryAudit(new QueryAuditRequest { Actor = "test-supervisor" }));

        Assert.NotEmpty(entries);
        Assert.All(entries, e => Assert.Equal("test-supervisor", e.Actor));
    }

    [Theory]
    [InlineData("UPDATE audit_log SET actor = 'someone else'")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("TRUNCATE audit_log")]
    public async Task AuditLog_ChangedByTheApplicationRole_IsRefusedByTheDatabase(string sql)
    {
        await api.SubmitAsync(NewObservation("audit-immutable-1"));
        await api.As(Role.Supervisor).Observations.GetSourcesAsync(new GetObservationRequest { Id = IdOf("audit-immutable-1") }).ResponseAsync;
        var before = await api.Database.ScalarAsync<long>("SELECT count(*) FROM audit_log");
        var asApp = new NpgsqlConnectionStringBuilder(api.Database.ConnectionString) { Username = "geoawareness_app", Password = null, Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(asApp);
        await connection.OpenAsync();
        await using (var read = new NpgsqlCommand("SELECT count(*) FROM audit_log", connection))
        {
            // The role reads the trail; it only may not change it.
            Assert.Equal(before, (long)(await read.ExecuteScalarAsync())!);
        }

        await using var change = new NpgsqlCommand(sql, connection);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => change.ExecuteNonQueryAsync());

        Assert.True(refused.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.RaiseException, $"{refused.SqlState}: {refused.MessageText}");
        Assert.Equal(before, await api.Database.ScalarAsync<long>("SELECT count(*) FROM audit_log"));
    }

    [Theory]
    [InlineData("UPDATE audit_log SET actor = 'someone else'")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("TRUNCATE audit_log")]
    public async Task AuditLog_ChangedEvenByTheOwner_IsRefusedByTheTriggers(string sql)
    {
        await api.SubmitAsync(NewObservation("audit-immutable-2"));
        await api.As(Role.Supervisor).Observations.GetSourcesAsync(new GetObservationRequest { Id = IdOf("audit-immutable-2") }).ResponseAsync;
        await using var change = api.Database.DataSource.CreateCommand(sql);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => change.ExecuteNonQueryAsync());

        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
    }
}
