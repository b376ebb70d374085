using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Server;
using Geo.Storage.Registry;
using Microsoft.Extensions.Options;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>geoawareness.v1.Registry: communities, bases and CLA deployments.</summary>
internal sealed class RegistryHandler(RegistryStore store, IOptions<ApiOptions> options, TimeProvider clock)
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => V1.RegistryReflection.Descriptor.Services[0];

    private DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    // ---- communities ----

    public async Task<V1.Community> CreateCommunity(V1.Community request, ServerCallContext context) =>
        ApiMapping.ToProto(await store.CreateCommunityAsync(CheckedCommunity(request, string.Empty), context.CancellationToken).ConfigureAwait(false));

    public async Task<V1.Community> UpdateCommunity(V1.UpdateCommunityRequest request, ServerCallContext context) =>
        ApiMapping.ToProto(await store.UpdateCommunityAsync(
            CheckedCommunity(request.Community ?? throw ApiErrors.InvalidArgument("community", "is required"), "community"), request.ExpectedVersion, context.CancellationToken)
            .ConfigureAwait(false));

    public async Task<V1.Community> GetCommunity(V1.GetByIdRequest request, ServerCallContext context) =>
        ApiMapping.ToProto(await store.GetCommunityAsync(CheckedId(request.Id), context.CancellationToken).ConfigureAwait(false));

    public async Task<V1.ListCommunitiesResponse> ListCommunities(V1.ListRequest request, ServerCallContext context)
    {
        var (after, size) = Page(request.PageToken, request.PageSize);
        var page = await store.ListCommunitiesAsync(after, size, request.Sector, context.CancellationToken).ConfigureAwait(false);
        var response = new V1.ListCommunitiesResponse { NextPageToken = page.Count == size ? PageToken.ForList(page[^1].Community.Id) : string.Empty };
        response.Communities.AddRange(page.Select(ApiMapping.ToProto));
        return response;
    }

    // ---- bases ----

    public async Task<V1.Base> CreateBase(V1.Base request, ServerCallContext context) =>
        ApiMapping.ToProto(await store.CreateBaseAsync(CheckedBase(request, string.Empty), context.CancellationToken).ConfigureAwait(false));

    public async Task<V1.Base> UpdateBase(V1.UpdateBaseRequest request, ServerCallContext context) =>
        ApiMapping.ToProto(await store.UpdateBaseAsync(
            CheckedBase(request.Base ?? throw ApiErrors.InvalidArgument("base", "is required"), "base"), request.ExpectedVersion, context.CancellationToken)
            .ConfigureAwait(false));

    public async Task<V1.Base> GetBase(V1.GetByIdRequest request, ServerCallContext context) =>
        ApiMapping.ToProto(await store.GetBaseAsync(CheckedId(request.Id), context.CancellationToken).ConfigureAwait(false));

    public async Task<V1.ListBasesResponse> ListBases(V1.ListRequest request, ServerCallContext context)
    {
        var (after, size) = Page(request.PageToken, request.PageSize);
        var page = await store.ListBasesAsync(after, size, request.Sector, context.CancellationToken).ConfigureAwait(false);
        var response = new V1.ListBasesResponse { NextPageToken = page.Count == size ? PageToken.ForList(page[^1].Value.Id) : string.Empty };
        response.Bases.AddRange(page.Select(ApiMapping.ToProto));
        return response;
    }

    // ---- deployments ----

    public async Task<V1.ClaDeployment> CreateDeployment(V1.ClaDeployment request, ServerCallContext context) =>
        ApiMapping.ToProto(await store.CreateDeploymentAsync(CheckedDeployment(request, string.Empty), Today, context.CancellationToken).ConfigureAwait(false));

    public async Task<V1.ClaDeployment> UpdateDeployment(V1.UpdateDeploymentRequest request, ServerCallContext context) =>
        ApiMapping.ToProto(await store.UpdateDeploymentAsync(
            CheckedDeployment(request.Deployment ?? throw ApiErrors.InvalidArgument("deployment", "is required"), "deployment"),
            request.ExpectedVersion,
            Today,
            context.CancellationToken).ConfigureAwait(false));

    public async Task<V1.ClaDeployment> GetDeployment(V1.GetByIdRequest request, ServerCallContext context) =>
        ApiMapping.ToProto(await store.GetDeploymentAsync(CheckedId(request.Id), Today, context.CancellationToken).ConfigureAwait(false));

    public async Task<V1.ListDeploymentsResponse> ListDeployments(V1.ListDeploymentsRequest request, ServerCallContext context)
    {
        var (after, size) = Page(request.PageToken, request.PageSize);
        var errors = new FieldErrors();
        var activeOn = ApiMapping.ToDate(request.ActiveOn, "active_on", errors);
        var warning = request.Flag switch
        {
            V1.DeploymentFlag.Unspecified => DeploymentWarnings.None,
            V1.DeploymentFlag.OwnLocality => DeploymentWarnings.OwnLocality,
            V1.DeploymentFlag.TemporaryDutyOverThreeMonths => DeploymentWarnings.TemporaryDutyOverThreeMonths,
            _ => Unknown(errors, "flag", (int)request.Flag),
        };
        ApiErrors.ThrowIfAny(errors);
        var page = await store.ListDeploymentsAsync(after, size, request.BaseId, activeOn, warning, activeOn ?? Today, context.CancellationToken)
            .ConfigureAwait(false);
        var response = new V1.ListDeploymentsResponse { NextPageToken = page.Count == size ? PageToken.ForList(page[^1].Deployment.Id) : string.Empty };
        response.Deployments.AddRange(page.Select(ApiMapping.ToProto));
        return response;
    }

    private static DeploymentWarnings Unknown(FieldErrors errors, string field, int value)
    {
        errors.Add(field, $"{value} is not a known DeploymentFlag");
        return DeploymentWarnings.None;
    }

    private (string? After, int Size) Page(string token, int pageSize)
    {
        var max = options.Value.MaxListPageSize;
        if (pageSize < 0 || pageSize > max)
        {
            throw ApiErrors.InvalidArgument("page_size", $"{pageSize} is out of range 1..{max} (0 for the default of 100)");
        }

        return (PageToken.ReadList(token), pageSize == 0 ? 100 : pageSize);
    }

    private static string CheckedId(string id)
    {
        var errors = new FieldErrors();
        ObservationRules.CheckId(id, "id", errors);
        ApiErrors.ThrowIfAny(errors);
        return id;
    }

    private static Community CheckedCommunity(V1.Community message, string field)
    {
        var errors = new FieldErrors();
        var scoped = field.Length == 0 ? errors : errors.At(field);
        var community = ApiMapping.ToCommunity(message, scoped);
        if (!errors.Any)
        {
            RegistryRules.Check(community, scoped);
        }

        ApiErrors.ThrowIfAny(errors);
        return community;
    }

    private static Base CheckedBase(V1.Base message, string field)
    {
        var errors = new FieldErrors();
        var scoped = field.Length == 0 ? errors : errors.At(field);
        var station = ApiMapping.ToBase(message, scoped);
        if (!errors.Any)
        {
            RegistryRules.Check(station, scoped);
        }

        ApiErrors.ThrowIfAny(errors);
        return station;
    }

    private static ClaDeployment CheckedDeployment(V1.ClaDeployment message, string field)
    {
        var errors = new FieldErrors();
        var scoped = field.Length == 0 ? errors : errors.At(field);
        var deployment = ApiMapping.ToDeployment(message, scoped);
        if (!errors.Any)
        {
            RegistryRules.Check(deployment, scoped);
        }

        ApiErrors.ThrowIfAny(errors);
        return deployment;
    }
}
