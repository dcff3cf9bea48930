package io.skydeck.platform.embedded;

import io.quarkus.runtime.Application;

import java.time.Duration;

/**
 * The JVM shutdown hook that stops the embedded PostgreSQL, but only once the application has
 * stopped. The JVM runs every shutdown hook at the same time, Quarkus' own (which stops Quartz,
 * the operation runner and the connection pool) included; stopping the database beside it left
 * Quartz rolling back on closed connections ("Couldn't rollback jdbc connection", "ClusterManager:
 * Error managing cluster") on every normal stop. The wait is bounded so a hung stop cannot keep
 * PostgreSQL running after the JVM is gone.
 */
final class StopAfterApplication implements Runnable {

    /** Waits until the application has stopped; returns at once when there is none. */
    interface ApplicationStop {
        void await();
    }

    static final Duration PATIENCE = Duration.ofSeconds(30);

    private final ApplicationStop applicationStop;
    private final Runnable stopDatabase;
    private final Duration patience;

    StopAfterApplication(ApplicationStop applicationStop, Runnable stopDatabase, Duration patience) {
        this.applicationStop = applicationStop;
        this.stopDatabase = stopDatabase;
        this.patience = patience;
    }

    /** For the running Quarkus application. */
    static StopAfterApplication of(Runnable stopDatabase) {
        return new StopAfterApplication(() -> {
            Application app = Application.currentApplication();
            if (app != null) {
                app.awaitShutdown();
            }
        }, stopDatabase, PATIENCE);
    }

    @Override
    public void run() {
        Thread waiter = new Thread(applicationStop::await, "embedded-postgres-await-application-stop");
        waiter.setDaemon(true);
        waiter.start();
        try {
            waiter.join(patience.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopDatabase.run();
        }
    }
}
