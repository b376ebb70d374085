using Geo.Core.Domain;
using Geo.Core.Indicators;
using Geo.Core.Validation;
using Geo.Grpc.Api;
using Grpc.Core;
using V1 = Geo.Api.V1;

namespace Geo.Cli.Ingest;

/// <summary>CLA deployments: no location of their own (a GeoJSON feature's geometry is null).</summary>
internal sealed class DeploymentRecords : RegistryRecordType<V1.ClaDeployment>
{
    private const int Id = 0;
    private const int ClaId = 1;
    private const int SexColumn = 2;
    private const int BaseId = 3;
    private const int From = 4;
    private const int To = 5;
    private const int TemporaryDuty = 6;
    private const int HomeLocality = 7;
    private const int HomeCommunityId = 8;

    private static readonly CodeWords<V1.Sex> Sexes =
        new(Enum.GetValues<Sex>().Select(s => (Disaggregation.SexName(s), (V1.Sex)s)));

    public static ColumnSet AllColumns { get; } = new(
        IngestKind.Deployments,
        ["id", "cla_id", "sex", "base_id", "from", "to", "temporary_duty", "home_locality", "home_community_id"],
        ignored: ["flags", "version"],
        required: ["id", "cla_id", "sex", "base_id", "from"],
        LocationRule.None);

    public override ColumnSet Columns => AllColumns;

    public override AsyncUnaryCall<V1.ClaDeployment> Create(V1.Registry.RegistryClient registry, V1.ClaDeployment message, CallOptions options) =>
        registry.CreateDeploymentAsync(message, options);

    public override AsyncUnaryCall<V1.ClaDeployment> Get(V1.Registry.RegistryClient registry, string id, CallOptions options) =>
        registry.GetDeploymentAsync(new V1.GetByIdRequest { Id = id }, options);

    public override string IdOf(V1.ClaDeployment message) => message.Id;

    public override V1.ClaDeployment ToMessage(InputRow row, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(row);
        var names = AllColumns.Names;
        RowLocation.None(row, errors);
        var message = new V1.ClaDeployment
        {
            Id = RowFields.Text(row, Id),
            ClaId = RowFields.Text(row, ClaId),
            Sex = RowFields.Code(row, SexColumn, names[SexColumn], Sexes, errors),
            BaseId = RowFields.Text(row, BaseId),
            TemporaryDuty = RowFields.Boolean(row, TemporaryDuty, names[TemporaryDuty], errors),
            HomeLocality = RowFields.Text(row, HomeLocality),
            HomeCommunityId = RowFields.Text(row, HomeCommunityId),
        };
        if (RowFields.Date(row, From, names[From], errors) is { } from)
        {
            message.From = from;
        }

        if (RowFields.Date(row, To, names[To], errors) is { } to)
        {
            message.To = to;
        }

        return message;
    }

    public override void Check(V1.ClaDeployment message, DateTimeOffset now, FieldErrors errors)
    {
        var deployment = ApiMapping.ToDeployment(message, errors);
        if (!errors.Any)
        {
            RegistryRules.Check(deployment, errors);
        }
    }
}
