package io.vibework.notify.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How a child JVM (operator, worker) is made to resolve in-cluster names through the generated
 * hosts file of a {@link HostMapping}.
 *
 * <p>Every child gets {@code -Djdk.net.hosts.file=<file>}: the JDK resolver (HTTP clients, JDBC,
 * MongoDB, gRPC) then reads that file. Netty's own DNS resolver, which lettuce (Redis) uses, reads
 * only {@code /etc/hosts} and ignores that property. So, where Linux allows it, the child also
 * runs in a private mount namespace ({@code unshare --mount}, with {@code --map-root-user} when
 * not root) in which the generated file is bind-mounted over {@code /etc/hosts}; nothing outside
 * the child sees it. Where that is not allowed, {@link #mountNamespace()} is false and callers fall
 * back to rewriting host names to loopback addresses in the workers' environment; the operator's
 * own Redis ping then cannot reach an in-cluster name.
 */
public final class Isolation {

    private static final String SCRIPT = "mount --bind \"$1\" /etc/hosts && shift && exec \"$@\"";

    private final Path hostsFile;
    private final List<String> unshare;

    private Isolation(Path hostsFile, List<String> unshare) {
        this.hostsFile = hostsFile;
        this.unshare = unshare;
    }

    /** Tries the mount namespace once with this hosts file; falls back to the JVM property alone. */
    public static Isolation probe(Path hostsFile) {
        Path binary = Path.of("/usr/bin/unshare");
        if (!Files.isExecutable(binary)) {
            binary = Path.of("/bin/unshare");
        }
        if (Files.isExecutable(binary) && Files.isRegularFile(Path.of("/etc/hosts"))) {
            for (List<String> flags : List.of(List.of("--mount"), List.of("--user", "--map-root-user", "--mount"))) {
                List<String> prefix = new ArrayList<>();
                prefix.add(binary.toString());
                prefix.addAll(flags);
                if (works(prefix, hostsFile)) {
                    return new Isolation(hostsFile, prefix);
                }
            }
        }
        return new Isolation(hostsFile, List.of());
    }

    private static boolean works(List<String> prefix, Path hostsFile) {
        try {
            String marker = Files.readString(hostsFile);
            List<String> command = new ArrayList<>(prefix);
            command.addAll(List.of("/bin/sh", "-c", SCRIPT, "sh", hostsFile.toString(), "/bin/cat", "/etc/hosts"));
            Path out = Files.createTempFile("unshare-probe-", ".out");
            try {
                Process p = new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return false;
                }
                return p.exitValue() == 0 && Files.readString(out, StandardCharsets.UTF_8).equals(marker);
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException | RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** True when children see the hosts file as their /etc/hosts (every resolver honours it). */
    public boolean mountNamespace() {
        return !unshare.isEmpty();
    }

    public String describe() {
        return mountNamespace()
                ? "hosts file bind-mounted over /etc/hosts in a private mount namespace (" + String.join(" ", unshare) + ") + -Djdk.net.hosts.file"
                : "-Djdk.net.hosts.file only (no mount namespace here): host names in worker env rewritten to loopback addresses";
    }

    /** JVM options that make the JDK resolver read the hosts file. */
    public List<String> jvmOptions() {
        // a name looked up before its Service existed must not stay unknown for the default 10 s
        return List.of("-Djdk.net.hosts.file=" + hostsFile, "-Dsun.net.inetaddr.negative.ttl=1");
    }

    /** The command to start: {@code command} itself, or wrapped in the mount namespace. */
    public List<String> wrap(List<String> command) {
        if (unshare.isEmpty()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(unshare);
        wrapped.addAll(List.of("/bin/sh", "-c", SCRIPT, "sh", hostsFile.toString()));
        wrapped.addAll(command);
        return wrapped;
    }
}
