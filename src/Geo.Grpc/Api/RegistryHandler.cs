using Geo.Core.Domain;
using Geo.Grpc.Access;
using Geo.Core.Validation;
using Geo.Storage.Access;
using Geo.Storage.Registry;
using Microsoft.Extensions.Options;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>geoawareness.v1.Registry: communities, bases and CLA deployments.</summary>
internal sealed class RegistryHandler(RegistryStore store, AccessStore access, IOptions<ApiOptions> options, TimeProvider clock)
    : V1.Registry.RegistryBase
{
    private DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    // ---- communities ----

    public override async Task<V1.Community> CreateCommunity(V1.Community request, ServerCallContext context)
    {
        var community = CheckedCommunity(request, string.Empty);
        AccessRules.EnsureInside(context.Caller(), community.Location, "location");
        return ApiMapping.ToProto(await store.CreateCommunityAsync(community, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<V1.Community> UpdateCommunity(V1.UpdateCommunityRequest request, ServerCallContext context)
    {
        var community = CheckedCommunity(request.Community ?? throw ApiErrors.InvalidArgument("community", "is required"), "community");
        var caller = context.Caller();
        AccessRules.EnsureInside(caller, community.Location, "community.location");
        return ApiMapping.ToProto(await InsideAsync("community", async () =>
        {
            await store.GetCommunityAsync(community.Id, caller.ScopeArea, context.CancellationToken).ConfigureAwait(false);
            return await store.UpdateCommunityAsync(community, request.ExpectedVersion, context.CancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false));
    }

    public override async Task<V1.Community> GetCommunity(V1.GetByIdRequest request, ServerCallContext context) =>
        ApiMapping.ToProto(await store.GetCommunityAsync(CheckedId(request.Id), context.Caller().ScopeArea, context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.ListCommunitiesResponse> ListCommunities(V1.ListRequest request, ServerCallContext context)
    {
        var (after, size) = Page(request.PageToken, request.PageSize);
        var page = await store.ListCommunitiesAsync(after, size, request.Sector, context.Caller().ScopeArea, context.CancellationToken).ConfigureAwait(false);
        var response = new V1.ListCommunitiesResponse { NextPageToken = page.Count == size ? PageToken.ForList(page[^1].Community.Id) : string.Empty };
        response.Communities.AddRange(page.Select(ApiMapping.ToProto));
        return response;
    }

    // ---- bases ----

    public override async Task<V1.Base> CreateBase(V1.Base request, ServerCallContext context)
    {
        var station = CheckedBase(request, string.Empty);
        AccessRules.EnsureInside(context.Caller(), station.Location, "location");
        return ApiMapping.ToProto(await store.CreateBaseAsync(station, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<V1.Base> UpdateBase(V1.UpdateBaseRequest request, ServerCallContext context)
    {
        var station = CheckedBase(request.Base ?? throw ApiErrors.InvalidArgument("base", "is required"), "base");
        var caller = context.Caller();
        AccessRules.EnsureInside(caller, station.Location, "base.location");
        return ApiMapping.ToProto(await InsideAsync("base", async () =>
        {
            await store.GetBaseAsync(station.Id, caller.ScopeArea, context.CancellationToken).ConfigureAwait(false);
            return await store.UpdateBaseAsync(station, request.ExpectedVersion, context.CancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false));
    }

    public override async Task<V1.Base> GetBase(V1.GetByIdRequest request, ServerCallContext context) =>
        ApiMapping.ToProto(await store.GetBaseAsync(CheckedId(request.Id), context.Caller().ScopeArea, context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.ListBasesResponse> ListBases(V1.ListRequest request, ServerCallContext context)
    {
        var (after, size) = Page(request.PageToken, request.PageSize);
        var page = await store.ListBasesAsync(after, size, request.Sector, context.Caller().ScopeArea, context.CancellationToken).ConfigureAwait(false);
        var response = new V1.ListBasesResponse { NextPageToken = page.Count == size ? PageToken.ForList(page[^1].Value.Id) : string.Empty };
        response.Bases.AddRange(page.Select(ApiMapping.ToProto));
        return response;
    }

    // ---- deployments ----

    public override async Task<V1.ClaDeployment> CreateDeployment(V1.ClaDeployment request, ServerCallContext context)
    {
        var deployment = CheckedDeployment(request, string.Empty);
        var caller = context.Caller();
        await EnsureBaseVisibleAsync(deployment.BaseId, "base_id", caller, context.CancellationToken).ConfigureAwait(false);
        var stored = await store.CreateDeploymentAsync(deployment, Today, context.CancellationToken).ConfigureAwait(false);
        await access.AuditChangeAsync(caller.Subject, "deployment.create", "deployment", deployment.Id, new { baseId = deployment.BaseId, version = stored.Version, token = caller.TokenId })
            .ConfigureAwait(false);
        return ApiMapping.ToProto(stored);
    }

    public override async Task<V1.ClaDeployment> UpdateDeployment(V1.UpdateDeploymentRequest request, ServerCallContext context)
    {
        var deployment = CheckedDeployment(request.Deployment ?? throw ApiErrors.InvalidArgument("deployment", "is required"), "deployment");
        var caller = context.Caller();
        var stored = await InsideAsync("deployment", async () =>
        {
            await store.GetDeploymentAsync(deployment.Id, Today, caller.ScopeArea, context.CancellationToken).ConfigureAwait(false);
            await EnsureBaseVisibleAsync(deployment.BaseId, "base_id", caller, context.CancellationToken).ConfigureAwait(false);
            return await store.UpdateDeploymentAsync(deployment, request.ExpectedVersion, Today, context.CancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);

        await access.AuditChangeAsync(caller.Subject, "deployment.update", "deployment", deployment.Id, new { baseId = deployment.BaseId, version = stored.Version, token = caller.TokenId })
            .ConfigureAwait(false);
        return ApiMapping.ToProto(stored);
    }

    public override async Task<V1.ClaDeployment> GetDeployment(V1.GetByIdRequest request, ServerCallContext context) =>
        ApiMapping.ToProto(await store.GetDeploymentAsync(CheckedId(request.Id), Today, context.Caller().ScopeArea, context.CancellationToken).ConfigureAwait(false));

    // ---- sectors ----

    public override async Task<V1.Sector> PutSector(V1.Sector request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        ObservationRules.CheckId(request.Id, "id", errors);
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors.Add("name", "is required");
        }

        var area = ApiMapping.ToGeometry(request.Area, "area", options.Value.ShapeLimits, errors);
        if (area is not null && !errors.Any && Geo.Core.Spatial.GeometryRules.Check(area, "Polygon", "MultiPolygon") is { } problem)
        {
            errors.Add("area", problem);
        }

        ApiErrors.ThrowIfAny(errors);
        var caller = context.Caller();
        // Sectors are what scoped tokens see: a token scoped to one could otherwise redraw another
        // sector onto its own area and widen, or blind, every token scoped to that one.
        if (caller.IsScoped)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "id: sectors set what scoped tokens see; only a token without an area may put one"));
        }

        await access.PutSectorAsync(request.Id, request.Name, area!, context.CancellationToken).ConfigureAwait(false);
        await access.AuditChangeAsync(caller.Subject, "sector.put", "sector", request.Id, new { token = caller.TokenId }).ConfigureAwait(false);
        return await FindSectorAsync(request.Id, context.CancellationToken).ConfigureAwait(false);
    }

    public override async Task<V1.ListSectorsResponse> ListSectors(V1.ListSectorsRequest request, ServerCallContext context)
    {
        var scope = context.Caller().ScopeArea;
        var response = new V1.ListSectorsResponse();
        await foreach (var (id, name, area, version) in access.ListSectorsAsync(context.CancellationToken).ConfigureAwait(false))
        {
            // Interiors must meet: sectors usually share borders, and Intersects is true for a
            // neighbour that only touches the scope, which would show it to a token scoped next door.
            if (scope is null || scope.Relate(area, "T********"))
            {
                response.Sectors.Add(new V1.Sector { Id = id, Name = name, Area = ApiMapping.ToShape(area), Version = version });
            }
        }

        return response;
    }

    private async Task<V1.Sector> FindSectorAsync(string id, CancellationToken cancellationToken)
    {
        await foreach (var (sectorId, name, area, version) in access.ListSectorsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (sectorId == id)
            {
                return new V1.Sector { Id = sectorId, Name = name, Area = ApiMapping.ToShape(area), Version = version };
            }
        }

        throw new Storage.RecordNotFoundException($"no sector '{id}'") { Field = "id" };
    }

    /// <summary>
    /// Runs an update whose record sits in the request under <paramref name="field"/>: a refusal
    /// about the record names the field inside it (deployment.home_community_id, community.id);
    /// expected_version is the request's own.
    /// </summary>
    private static async Task<T> InsideAsync<T>(string field, Func<Task<T>> update)
    {
        try
        {
            return await update().ConfigureAwait(false);
        }
        catch (Storage.StorageException e) when (e is not Storage.VersionMismatchException)
        {
            e.PlaceUnder(field);
            throw;
        }
    }

    private async Task EnsureBaseVisibleAsync(string baseId, string field, Core.Access.Caller caller, CancellationToken cancellationToken)
    {
        try
        {
            await store.GetBaseAsync(baseId, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        }
        catch (Storage.RecordNotFoundException)
        {
            throw new Storage.RecordNotFoundException($"no base '{baseId}'") { Field = field };
        }
    }

    public override async Task<V1.ListDeploymentsResponse> ListDeployments(V1.ListDeploymentsRequest request, ServerCallContext context)
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
        var page = await store.ListDeploymentsAsync(after, size, request.BaseId, activeOn, warning, activeOn ?? Today, context.Caller().ScopeArea, context.CancellationToken)
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

    private Community CheckedCommunity(V1.Community message, string field)
    {
        var errors = new FieldErrors();
        var scoped = field.Length == 0 ? errors : errors.At(field);
        var community = ApiMapping.ToCommunity(message, options.Value.ShapeLimits, scoped);
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
