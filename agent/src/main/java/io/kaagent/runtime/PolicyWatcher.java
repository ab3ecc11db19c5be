package io.kaagent.runtime;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

import io.kaagent.Privileged;
import io.kaagent.config.PolicyException;
import io.kaagent.log.AgentLog;
import io.kaagent.policy.Policy;

/**
 * Re-reads the policy file when it changes (PRODUCT.md §7). A cheap stat every few seconds on one daemon thread —
 * not a WatchService: that watches a directory entry, and misses a Kubernetes ConfigMap update, which swaps a
 * symbolic link two levels up. The stat follows links and compares modification time, size and file key (inode), so
 * an in-place edit, an editor's rename-over and a swapped link all count. A change is read once it has held still
 * for a moment (an editor writing in two steps), a valid policy replaces the old one and is applied to the open
 * sockets, an invalid one is reported once as {@code FILE:LINE:COL: message} lines and the old policy stays.
 */
public final class PolicyWatcher implements Runnable {
    /** Loads and validates the policy the way the agent did at start (file, then KA_AGENT_* overrides). */
    public interface Loader {
        Policy load() throws PolicyException;
    }

    private static final long SETTLE_MILLIS = 300;
    private static volatile PolicyWatcher current;

    private final KeepAliveRuntime runtime;
    private final File file;
    private final Loader loader;
    private final long intervalMillis;
    private volatile boolean stopped;
    private Stamp seen;
    private boolean reportedMissing;

    private PolicyWatcher(KeepAliveRuntime runtime, File file, Stamp readStamp, Loader loader, long intervalMillis) {
        this.runtime = runtime;
        this.file = file;
        this.loader = loader;
        this.intervalMillis = intervalMillis;
        this.seen = readStamp;
    }

    /**
     * Watches {@code file} (null: the embedded default, nothing to watch) instead of whatever was watched before:
     * a second attach may name another file.
     *
     * @param readStamp the file's stamp taken before the policy in force was read from it: a later edit, even one
     *                  made before this watcher started, is a change
     */
    public static synchronized void watch(KeepAliveRuntime runtime, File file, Stamp readStamp, Loader loader,
            long intervalMillis) {
        PolicyWatcher previous = current;
        if (previous != null) {
            previous.stopped = true;
        }
        current = null;
        if (file == null || intervalMillis <= 0) {
            return;
        }
        PolicyWatcher watcher = new PolicyWatcher(runtime, file.getAbsoluteFile(), readStamp, loader,
                intervalMillis);
        Thread thread = Privileged.newThread(watcher, "ka-agent-policy-watch");
        thread.setDaemon(true); // never keeps the JVM alive
        thread.setPriority(Thread.MIN_PRIORITY);
        current = watcher;
        thread.start();
    }

    @Override
    public void run() {
        while (!stopped) {
            try {
                Thread.sleep(intervalMillis);
                if (!stopped) {
                    check();
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                AgentLog.warnOnce("watch:" + t, "checking " + file + " for changes failed: " + t);
            }
        }
    }

    private void check() throws InterruptedException {
        Stamp now = Stamp.of(file);
        if (now == null) {
            if (!reportedMissing) {
                reportedMissing = true;
                AgentLog.warn("policy file " + file + " is gone; the policy in force stays until it is back");
            }
            return;
        }
        reportedMissing = false;
        if (now.equals(seen)) {
            return;
        }
        Thread.sleep(SETTLE_MILLIS);
        if (stopped || !now.equals(Stamp.of(file))) {
            return; // still being written: the next round reads it
        }
        seen = now;
        reload();
    }

    private void reload() {
        Policy policy;
        try {
            policy = loader.load();
        } catch (PolicyException e) {
            String[] lines = e.getMessage().split("\n");
            for (String line : lines) {
                AgentLog.error(line);
            }
            Policy inForce = runtime.policy();
            AgentLog.error("policy not reloaded: " + file + " has " + lines.length
                    + (lines.length == 1 ? " error" : " errors") + "; the policy in force stays: " + inForce.source()
                    + ", " + inForce.rules().size() + " rules");
            runtime.reloadFailed(lines[0]);
            return;
        }
        if (stopped) {
            return;
        }
        AgentLog.configure(policy.logLevel(), policy.logFile());
        SweepResult result = runtime.replacePolicyAndSweep(policy);
        AgentLog.info("policy reloaded from " + policy.source() + ", " + policy.rules().size() + " rules; open sockets: "
                + result.summary());
    }

    /** What a stat tells about the file: a change in any of these is a change. */
    public static final class Stamp {
        /**
         * As the file system reports it (nanoseconds here). Compared as it is: converting it to a number of nanoseconds
         * (FileTime.to) initialises java.time's ChronoUnit, Duration and BigInteger, ~1-2 ms of the policy thread in a
         * cold JVM, which the application's first connection may be waiting for.
         */
        final FileTime modified;
        final long size;
        final Object key;

        private Stamp(FileTime modified, long size, Object key) {
            this.modified = modified;
            this.size = size;
            this.key = key;
        }

        /** The file's stamp, or null when it cannot be read (or file is null: the embedded default). */
        public static Stamp of(File file) {
            if (file == null) {
                return null;
            }
            try {
                Path path = file.toPath();
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                return new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public boolean equals(Object other) {
            if (!(other instanceof Stamp)) {
                return false;
            }
            Stamp that = (Stamp) other;
            return modified.equals(that.modified) && size == that.size
                    && (key == null ? that.key == null : key.equals(that.key));
        }

        @Override
        public int hashCode() {
            return (int) (size ^ (size >>> 32)); // FileTime.hashCode would convert (see modified)
        }
    }
}
