using System.Diagnostics;
using System.Text;

namespace Geo.Interop.Tests.Peers;

/// <summary>The two independent gRPC implementations the interop tests run against.</summary>
public enum PeerKind
{
    Python,
    Node,
}

/// <summary>
/// Where the peer programs (tests/peers) and their interpreters are, and a loud failure when
/// something is missing: the interop tests never skip.
/// </summary>
public static class Peers
{
    /// <summary>Debian's python3-grpcio belongs to this interpreter, not to the python3 first on PATH.</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string> s_root = new(FindRepositoryRoot);
    private static readonly Lazy<string?> s_missing = new(FindMissing);

    public static string RepositoryRoot => s_root.Value;

    public static string PeersDirectory => Path.Combine(RepositoryRoot, "tests", "peers");

    public static string Node => File.Exists("/usr/bin/node") ? "/usr/bin/node" : "node";

    /// <summary>Throws, naming what is missing and how to install it, unless every peer can run.</summary>
    public static void EnsureInstalled()
    {
        if (s_missing.Value is { } missing)
        {
            throw new InvalidOperationException(
                $"gRPC interop peers are missing: {missing}. Run scripts/install-test-peers.sh (CI runs it before dotnet test).");
        }
    }

    public static ProcessStartInfo ServerStartInfo(PeerKind kind, bool gzip)
    {
        var info = kind == PeerKind.Python
            ? StartInfo(Python, Path.Combine(PeersDirectory, "python", "echo_server.py"))
            : StartInfo(Node, Path.Combine(PeersDirectory, "node", "echo_server.js"));
        info.ArgumentList.Add("--port");
        info.ArgumentList.Add("0");
        // Our end of its stdin closes when this process ends, however it ends: no orphaned servers.
        info.ArgumentList.Add("--exit-with-stdin");
        if (gzip)
        {
            info.ArgumentList.Add("--gzip");
        }

        return info;
    }

    public static ProcessStartInfo ClientStartInfo(PeerKind kind, string target, IEnumerable<string>? scenarios, string? tag)
    {
        var info = kind == PeerKind.Python
            ? StartInfo(Python, Path.Combine(PeersDirectory, "python", "echo_client.py"))
            : StartInfo(Node, Path.Combine(PeersDirectory, "node", "echo_client.js"));
        info.ArgumentList.Add("--target");
        info.ArgumentList.Add(target);
        if (scenarios is not null)
        {
            info.ArgumentList.Add("--scenarios");
            info.ArgumentList.Add(string.Join(',', scenarios));
        }

        if (!string.IsNullOrEmpty(tag))
        {
            info.ArgumentList.Add("--tag");
            info.ArgumentList.Add(tag);
        }

        return info;
    }

    private static ProcessStartInfo StartInfo(string program, string script)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        info.ArgumentList.Add(script);
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        return info;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GeoAwareness.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"GeoAwareness.sln not found above {AppContext.BaseDirectory}");
    }

    private static string? FindMissing()
    {
        var missing = new List<string>();
        if (!File.Exists(Python))
        {
            missing.Add($"{Python} (Debian python3)");
        }
        else if (Run(Python, "-c", "import grpc, grpc_tools.protoc") != 0)
        {
            missing.Add("python3-grpcio / python3-grpc-tools for /usr/bin/python3");
        }

        if (Run(Node, "--version") != 0)
        {
            missing.Add("node");
        }

        foreach (var module in new[] { "@grpc/grpc-js", "@grpc/proto-loader" })
        {
            if (!File.Exists(Path.Combine(PeersDirectory, "node", "node_modules", module, "package.json")))
            {
                missing.Add($"{module} in tests/peers/node/node_modules");
            }
        }

        return missing.Count == 0 ? null : string.Join("; ", missing);
    }

    private static int Run(string program, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args)
            {
                info.ArgumentList.Add(a);
            }

            using var process = Process.Start(info)!;
            if (!process.WaitForExit(30_000))
            {
                process.Kill(entireProcessTree: true);
                return -1;
            }

            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
