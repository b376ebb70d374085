using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Exporters.Feeds;
using Geo.Exporters.Layers;
using Geo.Grpc.Api;
using Grpc.Core;
using V1 = Geo.Api.V1;

namespace Geo.Cli.Ingest;

/// <summary>Bases: a point; the bases layer's names where they mean the same thing, its team figures ignored.</summary>
internal sealed class BaseRecords : RegistryRecordType<V1.Base>
{
    private const int Id = 0;
    private const int Name = 1;
    private const int Kind = 2;
    private const int Unit = 3;
    private const int Sector = 4;
    private const int AdminArea = 5;
    private const int OpenedOn = 6;
    private const int ClosedOn = 7;

    private static readonly CodeWords<V1.BaseKind> Kinds =
        new(Enum.GetValues<BaseKind>().Select(k => (FeedCodes.BaseKind(k), (V1.BaseKind)k)));

    public static ColumnSet AllColumns { get; } = new(
        IngestKind.Bases,
        [BaseFields.Id.Name, BaseFields.Name.Name, BaseFields.Kind.Name, BaseFields.Unit.Name, BaseFields.Sector.Name, BaseFields.AdminArea.Name, "opened_on", "closed_on"],
        ignored: BaseFields.All.Select(f => f.Name),
        required: ["id", "name", "kind"],
        LocationRule.Point);

    public override ColumnSet Columns => AllColumns;

    public override AsyncUnaryCall<V1.Base> Create(V1.Registry.RegistryClient registry, V1.Base message, CallOptions options) =>
        registry.CreateBaseAsync(message, options);

    public override AsyncUnaryCall<V1.Base> Get(V1.Registry.RegistryClient registry, string id, CallOptions options) =>
        registry.GetBaseAsync(new V1.GetByIdRequest { Id = id }, options);

    public override string IdOf(V1.Base message) => message.Id;

    public override V1.Base ToMessage(InputRow row, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(row);
        var names = AllColumns.Names;
        var message = new V1.Base
        {
            Id = RowFields.Text(row, Id),
            Name = RowFields.Text(row, Name),
            Kind = RowFields.Code(row, Kind, names[Kind], Kinds, errors),
            Unit = RowFields.Text(row, Unit),
            Sector = RowFields.Text(row, Sector),
            AdminArea = RowFields.Text(row, AdminArea),
            Location = RowLocation.Point(row, errors),
        };
        if (RowFields.Date(row, OpenedOn, names[OpenedOn], errors) is { } opened)
        {
            message.OpenedOn = opened;
        }

        if (RowFields.Date(row, ClosedOn, names[ClosedOn], errors) is { } closed)
        {
            message.ClosedOn = closed;
        }

        return message;
    }

    public override void Check(V1.Base message, DateTimeOffset now, FieldErrors errors)
    {
        var station = ApiMapping.ToBase(message, errors);
        if (!errors.Any)
        {
            RegistryRules.Check(station, errors);
        }
    }
}
