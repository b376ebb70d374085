using Geo.Core.Access;

namespace Geo.Grpc.Access;

/// <summary>
/// The one table of what every RPC needs. A method missing here is refused to everyone (fail
/// closed), and a test checks that every served method has an entry.
/// </summary>
public sealed class RpcPermissions
{
    private readonly Dictionary<string, Permission> _table = new(StringComparer.Ordinal)
    {
        ["/geoawareness.v1.Registry/CreateCommunity"] = Permission.ManageRegistry,
        ["/geoawareness.v1.Registry/UpdateCommunity"] = Permission.ManageRegistry,
        ["/geoawareness.v1.Registry/GetCommunity"] = Permission.ReadRegistry,
        ["/geoawareness.v1.Registry/ListCommunities"] = Permission.ReadRegistry,
        ["/geoawareness.v1.Registry/CreateBase"] = Permission.ManageRegistry,
        ["/geoawareness.v1.Registry/UpdateBase"] = Permission.ManageRegistry,
        ["/geoawareness.v1.Registry/GetBase"] = Permission.ReadRegistry,
        ["/geoawareness.v1.Registry/ListBases"] = Permission.ReadRegistry,
        ["/geoawareness.v1.Registry/CreateDeployment"] = Permission.ManageDeployments,
        ["/geoawareness.v1.Registry/UpdateDeployment"] = Permission.ManageDeployments,
        ["/geoawareness.v1.Registry/GetDeployment"] = Permission.ManageDeployments,
        ["/geoawareness.v1.Registry/ListDeployments"] = Permission.ManageDeployments,
        ["/geoawareness.v1.Registry/PutSector"] = Permission.ManageRegistry,
        ["/geoawareness.v1.Registry/ListSectors"] = Permission.ReadRegistry,
        ["/geoawareness.v1.Observations/Submit"] = Permission.SubmitObservations,
        ["/geoawareness.v1.Observations/Ingest"] = Permission.SubmitObservations,
        ["/geoawareness.v1.Observations/Get"] = Permission.ReadOwnObservations,
        ["/geoawareness.v1.Observations/Review"] = Permission.ReviewObservations,
        ["/geoawareness.v1.Observations/Release"] = Permission.ReleaseObservations,
        ["/geoawareness.v1.Observations/GetHistory"] = Permission.ReviewObservations,
        ["/geoawareness.v1.Observations/LinkEvent"] = Permission.ReviewObservations,
        ["/geoawareness.v1.Observations/UnlinkEvent"] = Permission.ReviewObservations,
        ["/geoawareness.v1.Observations/Query"] = Permission.ReadOwnObservations,
        ["/geoawareness.v1.Observations/Count"] = Permission.ReadOwnObservations,
        ["/geoawareness.v1.Observations/Summarize"] = Permission.ReadObservationSummaries,
        // Its own permission: planners and UN-CIMIC officers read no observation but watch for their
        // plans' re-check marks; what each watch pushes is decided by what the role reads.
        ["/geoawareness.v1.Observations/Watch"] = Permission.WatchChanges,
        ["/geoawareness.v1.Alerts/ListAlerts"] = Permission.ReadAlerts,
        ["/geoawareness.v1.Alerts/GetAlert"] = Permission.ReadAlerts,
        ["/geoawareness.v1.Alerts/Acknowledge"] = Permission.AcknowledgeAlerts,
        ["/geoawareness.v1.Alerts/Respond"] = Permission.RespondToAlerts,
        ["/geoawareness.v1.Alerts/Close"] = Permission.RespondToAlerts,
        ["/geoawareness.v1.Observations/RecordSource"] = Permission.RecordSources,
        ["/geoawareness.v1.Observations/GetSources"] = Permission.ReadSources,
        ["/geoawareness.v1.Referrals/Submit"] = Permission.SubmitReferrals,
        ["/geoawareness.v1.Referrals/List"] = Permission.ReadReferrals,
        ["/geoawareness.v1.Presence/NearestPresence"] = Permission.ReadPresence,
        ["/geoawareness.v1.HeatMaps/Compute"] = Permission.ReadHeatMaps,
        ["/geoawareness.v1.Coverage/GetCoverage"] = Permission.ReadCoverage,
        ["/geoawareness.v1.Coverage/GetGroupGaps"] = Permission.ReadCoverage,
        ["/geoawareness.v1.Coverage/PlanDeployment"] = Permission.ReadCoverage,
        ["/geoawareness.v1.Roads/Import"] = Permission.ManageRegistry,
        ["/geoawareness.v1.Roads/GetNetwork"] = Permission.ReadCoverage,
        ["/geoawareness.v1.Plans/SavePlan"] = Permission.ManagePlans,
        ["/geoawareness.v1.Plans/DeletePlan"] = Permission.ManagePlans,
        ["/geoawareness.v1.Plans/GetPlan"] = Permission.ReadPlans,
        ["/geoawareness.v1.Plans/ListPlans"] = Permission.ReadPlans,
        ["/geoawareness.v1.Plans/ComparePlans"] = Permission.ReadPlans,
        ["/geoawareness.v1.Plans/ExportPlan"] = Permission.ReadPlans,
        ["/geoawareness.v1.Feeds/PullObservations"] = Permission.ReadFeeds,
        ["/geoawareness.v1.Indicators/Compute"] = Permission.ReadIndicators,
        ["/geoawareness.v1.Indicators/Export"] = Permission.ReadIndicators,
        // Any valid token gets in: each layer has its own readers (LayerFeedService.PermissionsOf),
        // checked by the handler once the request says which layer.
        ["/geoawareness.v1.Feeds/PullLayer"] = Permission.AnyCaller,
        ["/geoawareness.v1.Access/IssueToken"] = Permission.ManageTokens,
        ["/geoawareness.v1.Access/RevokeToken"] = Permission.ManageTokens,
        ["/geoawareness.v1.Access/ListTokens"] = Permission.ManageTokens,
        ["/geoawareness.v1.Access/QueryAudit"] = Permission.ReadAudit,
        ["/geoawareness.v1.Access/WhoAmI"] = Permission.AnyCaller,
        ["/geoawareness.v1.CivilEstimates/GetCivilEstimate"] = Permission.ReadCivilEstimate,
        ["/geoawareness.v1.Operations/CreateOperation"] = Permission.ManageOperations,
        ["/geoawareness.v1.Operations/UpdateOperation"] = Permission.ManageOperations,
        ["/geoawareness.v1.Operations/GetOperation"] = Permission.ReadOperations,
        ["/geoawareness.v1.Operations/ListOperations"] = Permission.ReadOperations,
        ["/geoawareness.v1.Operations/CheckOperation"] = Permission.ReadOperations,
        ["/geoawareness.v1.Operations/ClearOperation"] = Permission.ClearOperations,
        ["/geoawareness.v1.Operations/AdvanceNotice"] = Permission.ReadOperations,
        ["/geoawareness.v1.Operations/RecordNotice"] = Permission.RecordNotices,
        ["/geoawareness.v1.Operations/SummarizeNotices"] = Permission.ReadOperations,
        ["/geoawareness.v1.CivilianPicture/PutAdminArea"] = Permission.ManageAdminAreas,
        ["/geoawareness.v1.CivilianPicture/ListAdminAreas"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/CreateOrganisation"] = Permission.ManageCivilianActors,
        ["/geoawareness.v1.CivilianPicture/UpdateOrganisation"] = Permission.ManageCivilianActors,
        ["/geoawareness.v1.CivilianPicture/GetOrganisation"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/ListOrganisations"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/CreatePresence"] = Permission.ManageCivilianActors,
        ["/geoawareness.v1.CivilianPicture/UpdatePresence"] = Permission.ManageCivilianActors,
        ["/geoawareness.v1.CivilianPicture/GetPresence"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/ListPresence"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/SummarizePresence"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/ImportPresence"] = Permission.ManageCivilianActors,
        ["/geoawareness.v1.CivilianPicture/ExportPresence"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/CreateFacility"] = Permission.ManageCivilianActors,
        ["/geoawareness.v1.CivilianPicture/UpdateFacility"] = Permission.ManageCivilianActors,
        ["/geoawareness.v1.CivilianPicture/GetFacility"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/ListFacilities"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/ImportFacilities"] = Permission.ManageCivilianActors,
        ["/geoawareness.v1.CivilianPicture/ExportFacilities"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/CreateQip"] = Permission.ManageCivilWorks,
        ["/geoawareness.v1.CivilianPicture/GetQip"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/ListQips"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/AdvanceQip"] = Permission.ManageCivilWorks,
        ["/geoawareness.v1.CivilianPicture/UpdateQip"] = Permission.ManageCivilWorks,
        ["/geoawareness.v1.CivilianPicture/UpdateAssistanceRequest"] = Permission.ManageCivilWorks,
        ["/geoawareness.v1.CivilianPicture/CreateAssistanceRequest"] = Permission.ManageCivilWorks,
        ["/geoawareness.v1.CivilianPicture/GetAssistanceRequest"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/ListAssistanceRequests"] = Permission.ReadCivilianPicture,
        ["/geoawareness.v1.CivilianPicture/AdvanceAssistanceRequest"] = Permission.ManageCivilWorks,
        ["/geoawareness.v1.CivilianPicture/SummarizeCivilWorks"] = Permission.ReadIndicators,
        ["/geoawareness.v1.Webhooks/CreateWebhook"] = Permission.ManageWebhooks,
        ["/geoawareness.v1.Webhooks/GetWebhook"] = Permission.ManageWebhooks,
        ["/geoawareness.v1.Webhooks/ListWebhooks"] = Permission.ManageWebhooks,
        ["/geoawareness.v1.Webhooks/PauseWebhook"] = Permission.ManageWebhooks,
        ["/geoawareness.v1.Webhooks/ResumeWebhook"] = Permission.ManageWebhooks,
        ["/geoawareness.v1.Webhooks/RotateWebhookSecret"] = Permission.ManageWebhooks,
        ["/geoawareness.v1.Webhooks/DeleteWebhook"] = Permission.ManageWebhooks,
        ["/geoawareness.v1.Webhooks/ListDeliveries"] = Permission.ManageWebhooks,
    };

    public RpcPermissions(AccessOptions options, IEnumerable<RpcPermissionGrant> extra)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(extra);
        var health = options.OpenHealth ? Permission.Open : Permission.AnyCaller;
        var reflection = options.OpenReflection ? Permission.Open : Permission.AnyCaller;
        _table["/grpc.health.v1.Health/Check"] = health;
        _table["/grpc.health.v1.Health/Watch"] = health;
        _table["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = reflection;
        _table["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = reflection;
        foreach (var grant in extra)
        {
            _table[grant.Path] = grant.Permission;
        }
    }

    public IReadOnlyDictionary<string, Permission> All => _table;

    public Permission? For(string path) => _table.TryGetValue(path, out var permission) ? permission : null;
}

/// <summary>The permission of a method served beside the API (test and benchmark services), registered in DI.</summary>
public sealed record RpcPermissionGrant(string Path, Permission Permission);
