package io.skydeck.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Service replicas for the soak: the packaged jar, started as separate JVMs on one database and
 * one shared sandbox, each on a fixed port so that a replica killed with SIGKILL comes back where
 * clients (the load balancer, here) expect it.
 */
final class SoakReplicas implements AutoCloseable {
    private final Path jar;
    private final Path work;
    private final List<String> arguments;
    private final Map<String, String> environment;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> starts = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    SoakReplicas(Path jar, Path work, int count, List<String> arguments, Map<String, String> environment) throws IOException {
        this.jar = jar;
        this.work = work;
        this.arguments = List.copyOf(arguments);
        this.environment = Map.copyOf(environment);
        for (int i = 0; i < count; i++) {
            ports.add(freePort());
            processes.add(null);
            starts.add(0);
        }
    }

    int count() {
        return ports.size();
    }

    String url(int replica) {
        return "http://127.0.0.1:" + ports.get(replica);
    }

    synchronized void start(int replica) throws IOException {
        var command = new ArrayList<>(List.of(javaBinary(), "-Dquarkus.http.port=" + ports.get(replica)));
        command.addAll(arguments);
        command.addAll(List.of("-jar", jar.toString()));
        int n = starts.get(replica) + 1;
        starts.set(replica, n);
        var builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("replica-" + (replica + 1) + "-run-" + n + ".log").toFile());
        builder.environment().putAll(environment);
        processes.set(replica, builder.start());
    }

    /** SIGKILL: the JVM gets no chance to finish a request, release a claim or close a connection. */
    synchronized void kill(int replica) throws InterruptedException {
        Process p = processes.get(replica);
        p.destroyForcibly();
        p.waitFor();
    }

    /** The CPU time the replica's JVM has used so far (all its threads). */
    synchronized Duration cpu(int replica) {
        return processes.get(replica).info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** The replica's JVM's process id. */
    synchronized long pid(int replica) {
        return processes.get(replica).pid();
    }

    boolean ready(int replica) {
        Process p;
        synchronized (this) {
            p = processes.get(replica);
        }
        if (p == null || !p.isAlive()) {
            return false;
        }
        try {
            var response = http.send(HttpRequest.newBuilder(URI.create(url(replica) + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void awaitReady(int replica, Duration within) throws InterruptedException {
        Instant deadline = Instant.now().plus(within);
        while (Instant.now().isBefore(deadline)) {
            if (ready(replica)) {
                return;
            }
            synchronized (this) {
                Process p = processes.get(replica);
                if (p != null && !p.isAlive()) {
                    throw new IllegalStateException("replica " + (replica + 1) + " exited with " + p.exitValue()
                            + "; see " + work + "/replica-" + (replica + 1) + "-run-" + starts.get(replica) + ".log");
                }
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("replica " + (replica + 1) + " was not ready within " + within);
    }

    @Override
    public synchronized void close() throws InterruptedException {
        for (Process p : processes) {
            if (p != null) {
                p.destroy();
            }
        }
        for (Process p : processes) {
            if (p != null && !p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
