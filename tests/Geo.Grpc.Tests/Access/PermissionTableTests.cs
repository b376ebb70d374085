using Geo.Api.V1;
using Role = Geo.Core.Access.Role;
using Geo.Core.Access;
using Geo.Grpc.Access;
using Geo.Grpc.Feeds;
using Grpc.Core;
using Geo.Grpc.Tests.Api;
using Google.Protobuf.Reflection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Geo.Grpc.Tests.Access;

/// <summary>
/// Every served method against every role, driven by <see cref="RolePermissions"/> and
/// <see cref="RpcPermissions"/>: the table is the single source of truth, and a new RPC without
/// an explicit permission fails here.
/// </summary>
public sealed class PermissionTableTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    /// <summary>Every method the running server dispatches, from its endpoints (API, health, reflection, test services).</summary>
    private List<MethodDescriptor> ServedMethods() => Access.ServedMethods.Of(api.Service);

    private static string PathOf(MethodDescriptor method) => Access.ServedMethods.PathOf(method);

    private RpcPermissions Table => api.Service.App.Services.GetRequiredService<RpcPermissions>();

    [Fact]
    public void ServedMethods_IncludeEveryMethodOfTheApiProtos()
    {
        var served = ServedMethods().Select(PathOf).ToHashSet(StringComparer.Ordinal);
        ServiceDescriptor[] api = [Registry.Descriptor, Observations.Descriptor, Referrals.Descriptor, Presence.Descriptor, HeatMaps.Descriptor, Coverage.Descriptor, Geo.Api.V1.Feeds.Descriptor, Indicators.Descriptor, Geo.Api.V1.Access.Descriptor, Geo.Api.V1.Alerts.Descriptor, Geo.Api.V1.Webhooks.Descriptor, Geo.Api.V1.CivilianPicture.Descriptor, Geo.Api.V1.Operations.Descriptor, Geo.Api.V1.CivilEstimates.Descriptor, Geo.Api.V1.Plans.Descriptor,
            global::Grpc.Health.V1.Health.Descriptor, global::Grpc.Reflection.V1.ServerReflection.Descriptor,
            global::Grpc.Reflection.V1Alpha.ServerReflection.Descriptor];

        var missing = api.SelectMany(s => s.Methods).Select(PathOf).Where(p => !served.Contains(p)).ToList();

        Assert.Empty(missing);
    }

    [Fact]
    public void ServedMethods_EveryOneHasAnExplicitPermission()
    {
        var without = ServedMethods().Select(PathOf).Where(p => Table.For(p) is null).ToList();

        Assert.True(without.Count == 0, "methods without an RpcPermissions entry (closed to all): " + string.Join(", ", without));
    }

    [Fact]
    public void PermissionTable_NamesNoMethodThatIsNotServed()
    {
        var served = ServedMethods().Select(PathOf).ToHashSet(StringComparer.Ordinal);

        var stale = Table.All.Keys.Where(p => !served.Contains(p)).ToList();

        Assert.True(stale.Count == 0, "entries for methods nobody serves: " + string.Join(", ", stale));
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void RolePermissions_ReadingAllObservations_IncludesTheCallsForReadingOwnOnes(Role role)
    {
        Assert.True(!RolePermissions.Has(role, Permission.ReadObservations) || RolePermissions.Has(role, Permission.ReadOwnObservations), $"{role} reads all observations but may not call Query");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void RolePermissions_WatchChanges_IsHeldExactlyByTheRolesThatReadObservationsOrPlans(Role role)
    {
        var reads = RolePermissions.Has(role, Permission.ReadOwnObservations) || RolePermissions.Has(role, Permission.ReadOperations);
        Assert.True(reads == RolePermissions.Has(role, Permission.WatchChanges), $"{role}: reads observations or plans {reads}, may watch {!reads}");
    }

    public static TheoryData<Role> Roles()
    {
        var data = new TheoryData<Role>();
        foreach (var role in Enum.GetValues<Role>())
        {
            data.Add(role);
        }

        return data;
    }


    [Theory]
    [MemberData(nameof(Roles))]
    public async Task EveryMethod_Role_IsRefusedExactlyWhenTheRoleLacksThePermission(Role role)
    {
        var problems = new List<string>();
        foreach (var method in ServedMethods())
        {
            var path = PathOf(method);
            var permission = Table.For(path);
            var status = await AccessCalls.StatusOfAsync(api.As(role), method);
            if (permission is null)
            {
                if (status.StatusCode != StatusCode.PermissionDenied)
                {
                    problems.Add($"{path} has no permission but answered {status.StatusCode}");
                }
            }
            else if (!RolePermissions.Has(role, permission.Value))
            {
                if (status.StatusCode != StatusCode.PermissionDenied || status.Detail != $"the {role} role may not call {path}")
                {
                    problems.Add($"{path} needs {permission} which {role} lacks, but answered {status.StatusCode}: {status.Detail}");
                }
            }
            else if (status.StatusCode is not (StatusCode.OK or StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.FailedPrecondition))
            {
                problems.Add($"{path} needs {permission} which {role} has, but answered {status.StatusCode}: {status.Detail}");
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [InlineData(Role.Analyst, "Observations", "GetSources")]
    [InlineData(Role.Administrator, "Observations", "GetSources")]
    [InlineData(Role.Administrator, "Observations", "Query")]
    [InlineData(Role.Importer, "Observations", "Query")]
    [InlineData(Role.ReferralSection, "Observations", "Query")]
    [InlineData(Role.Cla, "Observations", "GetSources")]
    [InlineData(Role.Cla, "Observations", "Review")]
    [InlineData(Role.Cla, "Access", "IssueToken")]
    [InlineData(Role.Supervisor, "Access", "IssueToken")]
    [InlineData(Role.Supervisor, "Access", "QueryAudit")]
    [InlineData(Role.Supervisor, "Referrals", "List")]
    [InlineData(Role.CpasFocalPoint, "Observations", "Count")]
    [InlineData(Role.Analyst, "Registry", "CreateCommunity")]
    [InlineData(Role.Cla, "HeatMaps", "Compute")]
    [InlineData(Role.Importer, "HeatMaps", "Compute")]
    [InlineData(Role.CpasFocalPoint, "HeatMaps", "Compute")]
    [InlineData(Role.Administrator, "HeatMaps", "Compute")]
    [InlineData(Role.Cla, "Coverage", "GetCoverage")]
    [InlineData(Role.Cla, "Coverage", "PlanDeployment")]
    [InlineData(Role.Importer, "Coverage", "GetCoverage")]
    [InlineData(Role.CpasFocalPoint, "Coverage", "PlanDeployment")]
    [InlineData(Role.ReferralSection, "Coverage", "GetGroupGaps")]
    [InlineData(Role.Administrator, "Coverage", "GetCoverage")]
    [InlineData(Role.Analyst, "Feeds", "PullObservations")]
    [InlineData(Role.Supervisor, "Feeds", "PullObservations")]
    [InlineData(Role.Cla, "Feeds", "PullObservations")]
    [InlineData(Role.CpasFocalPoint, "Feeds", "PullObservations")]
    [InlineData(Role.Importer, "Indicators", "Export")]
    [InlineData(Role.Analyst, "Indicators", "Compute")]
    [InlineData(Role.Supervisor, "Indicators", "Export")]
    [InlineData(Role.Cla, "Indicators", "Compute")]
    [InlineData(Role.CpasFocalPoint, "Feeds", "PullLayer")]
    [InlineData(Role.Cla, "Feeds", "PullLayer")]
    [InlineData(Role.Supervisor, "Webhooks", "CreateWebhook")]
    [InlineData(Role.Analyst, "Webhooks", "CreateWebhook")]
    [InlineData(Role.Importer, "Webhooks", "ListWebhooks")]
    [InlineData(Role.SecurityFocalPoint, "Webhooks", "ListDeliveries")]
    [InlineData(Role.Planner, "Webhooks", "ResumeWebhook")]
    [InlineData(Role.Cla, "CivilianPicture", "ListPresence")]
    [InlineData(Role.Importer, "CivilianPicture", "ListOrganisations")]
    [InlineData(Role.Analyst, "CivilianPicture", "CreatePresence")]
    [InlineData(Role.UnCimicOfficer, "CivilianPicture", "ImportPresence")]
    [InlineData(Role.Supervisor, "CivilianPicture", "UpdateOrganisation")]
    [InlineData(Role.Administrator, "CivilianPicture", "GetPresence")]
    public async Task Method_RoleThatTheIssueExcludes_IsPermissionDenied(Role role, string service, string method)
    {
        var descriptor = ServiceNamed(service).FindMethodByName(method);
        // PullLayer checks its permission once it knows the layer: ask for one.
        var request = method == "PullLayer" ? new Geo.Api.V1.PullLayerRequest { Bases = new Geo.Api.V1.CoverageRequest() } : null;

        var status = await AccessCalls.StatusOfAsync(api.As(role), descriptor, request);

        AccessCalls.Equal(StatusCode.PermissionDenied, status);
    }

    [Theory]
    [InlineData(Role.Cla, "Observations", "Query")]
    [InlineData(Role.Cla, "Observations", "Submit")]
    [InlineData(Role.Analyst, "Observations", "Query")]
    [InlineData(Role.Analyst, "Observations", "Count")]
    [InlineData(Role.Supervisor, "Observations", "GetSources")]
    [InlineData(Role.Planner, "Registry", "PutSector")]
    [InlineData(Role.Administrator, "Access", "QueryAudit")]
    [InlineData(Role.ReferralSection, "Referrals", "List")]
    [InlineData(Role.Planner, "Coverage", "GetCoverage")]
    [InlineData(Role.Planner, "Coverage", "PlanDeployment")]
    [InlineData(Role.Analyst, "Coverage", "GetCoverage")]
    [InlineData(Role.Supervisor, "Coverage", "GetCoverage")]
    [InlineData(Role.Importer, "Feeds", "PullObservations")]
    [InlineData(Role.CpasFocalPoint, "Indicators", "Compute")]
    [InlineData(Role.CpasFocalPoint, "Indicators", "Export")]
    [InlineData(Role.Planner, "Indicators", "Export")]
    [InlineData(Role.Importer, "Feeds", "PullLayer")]
    [InlineData(Role.Analyst, "Feeds", "PullLayer")]
    [InlineData(Role.Planner, "Feeds", "PullLayer")]
    [InlineData(Role.Administrator, "Webhooks", "ListWebhooks")]
    [InlineData(Role.Administrator, "Webhooks", "CreateWebhook")]
    [InlineData(Role.Administrator, "Webhooks", "ListDeliveries")]
    [InlineData(Role.HumanitarianLiaison, "CivilianPicture", "ImportPresence")]
    [InlineData(Role.HumanitarianLiaison, "CivilianPicture", "PutAdminArea")]
    [InlineData(Role.UnCimicOfficer, "CivilianPicture", "ListPresence")]
    [InlineData(Role.Analyst, "CivilianPicture", "SummarizePresence")]
    [InlineData(Role.Planner, "CivilianPicture", "PutAdminArea")]
    public async Task Method_RoleThatTheIssueIncludes_IsLetThrough(Role role, string service, string method)
    {
        var descriptor = ServiceNamed(service).FindMethodByName(method);

        var status = await AccessCalls.StatusOfAsync(api.As(role), descriptor);

        Assert.True(status.StatusCode is not (StatusCode.PermissionDenied or StatusCode.Unauthenticated), $"{role} {service}/{method}: {status}");
    }

    public static TheoryData<Role, int> RolesAndLayers()
    {
        var data = new TheoryData<Role, int>();
        foreach (var role in Enum.GetValues<Role>())
        {
            foreach (var layer in LayerFeedService.All)
            {
                data.Add(role, (int)layer);
            }
        }

        return data;
    }

    /// <summary>
    /// Feeds.PullLayer is open to every token in the table; each layer then needs ReadFeeds or the
    /// permission of its product (LayerFeedService.PermissionsOf), refused before the request is read.
    /// </summary>
    [Theory]
    [MemberData(nameof(RolesAndLayers))]
    public async Task PullLayer_EveryRoleAndLayer_IsRefusedExactlyWhenTheRoleReadsNeitherFeedsNorTheLayersProduct(Role role, int field)
    {
        var layer = (FeedLayer)field;
        var request = new Geo.Api.V1.PullLayerRequest();
        var layerField = LayerFeedService.FieldOf(layer);
        layerField.Accessor.SetValue(request, Activator.CreateInstance(layerField.MessageType.ClrType));
        var product = layer switch
        {
            FeedLayer.HeatMap or FeedLayer.HotSpots => Permission.ReadHeatMaps,
            FeedLayer.Facilities or FeedLayer.Presence or FeedLayer.Qips => Permission.ReadCivilianPicture,
            _ => Permission.ReadCoverage,
        };
        var may = RolePermissions.Has(role, Permission.ReadFeeds) || RolePermissions.Has(role, product);

        var status = await AccessCalls.StatusOfAsync(api.As(role), Geo.Api.V1.Feeds.Descriptor.FindMethodByName("PullLayer"), request);

        if (may)
        {
            Assert.True(status.StatusCode is not (StatusCode.PermissionDenied or StatusCode.Unauthenticated), $"{role} {layerField.Name}: {status.StatusCode}: {status.Detail}");
        }
        else
        {
            AccessCalls.Equal(StatusCode.PermissionDenied, status);
            Assert.Equal($"the {role} role may not pull the {layerField.Name} layer of /geoawareness.v1.Feeds/PullLayer", status.Detail);
        }
    }

    private static ServiceDescriptor ServiceNamed(string name) => name switch
    {
        "Observations" => Observations.Descriptor,
        "Referrals" => Referrals.Descriptor,
        "Registry" => Registry.Descriptor,
        "Presence" => Presence.Descriptor,
        "HeatMaps" => HeatMaps.Descriptor,
        "Coverage" => Coverage.Descriptor,
        "Feeds" => Geo.Api.V1.Feeds.Descriptor,
        "Indicators" => Indicators.Descriptor,
        "Webhooks" => Geo.Api.V1.Webhooks.Descriptor,
        "CivilianPicture" => Geo.Api.V1.CivilianPicture.Descriptor,
        _ => Geo.Api.V1.Access.Descriptor,
    };
}
