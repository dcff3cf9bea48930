package io.skydeck.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * The CPU time a JVM's JIT compiler threads have used, read from Linux's {@code /proc/<pid>/task}:
 * HotSpot names them {@code C1 CompilerThread<n>} and {@code C2 CompilerThread<n>} (the kernel keeps
 * 15 characters of a thread's name). On two cores a busy compiler thread takes a core from the
 * service it compiles, so a phase measured while the JIT still works is partly a figure of the JIT.
 */
final class JitCompilers {
    /** Linux's clock ticks per second for {@code utime}/{@code stime} ({@code USER_HZ}), 100 on every common build. */
    private static final long TICKS_PER_SECOND = 100;

    private JitCompilers() {
    }

    /** The compiler threads' CPU so far; zero where {@code /proc} cannot be read (not Linux). */
    static Duration cpu(long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        long ticks = 0;
        try (Stream<Path> threads = Files.list(tasks)) {
            for (Path thread : (Iterable<Path>) threads::iterator) {
                ticks += compilerTicks(thread);
            }
        } catch (IOException e) {
            return Duration.ZERO;
        }
        return Duration.ofMillis(ticks * 1000 / TICKS_PER_SECOND);
    }

    private static long compilerTicks(Path thread) {
        try {
            String name = Files.readString(thread.resolve("comm")).strip();
            if (!name.startsWith("C1 CompilerThre") && !name.startsWith("C2 CompilerThre")) {
                return 0;
            }
            long[] ticks = cpuTicks(thread.resolve("stat"));
            return ticks == null ? 0 : ticks[0] + ticks[1];
        } catch (IOException | RuntimeException e) {
            return 0; // the thread ended between the listing and the read
        }
    }

    /**
     * User and system CPU in clock ticks from a {@code /proc} {@code stat} file (a process's or one
     * of its threads'); null when it cannot be read.
     */
    static long[] cpuTicks(Path stat) {
        try {
            String line = Files.readString(stat);
            // The name, in parentheses, may hold spaces: the fields are counted after its closing parenthesis.
            String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
            // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the name.
            return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
