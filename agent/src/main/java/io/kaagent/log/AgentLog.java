package io.kaagent.log;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.tinylog.Logger;
import org.tinylog.configuration.Configuration;

/**
 * The agent's log: {@code ka-agent: LEVEL message} lines on stderr, or in {@code log_file}. Backed by the agent's
 * shaded tinylog, configured here in code before its first line — a shaded tinylog would otherwise still read the
 * application's tinylog.properties and -Dtinylog.* (FACTS.md). tinylog is touched only when a line is actually
 * written: at the default level (warn) a healthy agent never loads it.
 */
public final class AgentLog {
    public static final int OFF = 0;
    public static final int ERROR = 1;
    public static final int WARN = 2;
    public static final int INFO = 3;
    public static final int DEBUG = 4;

    private static volatile int level = WARN;
    private static volatile String file;
    private static volatile boolean configured;
    private static final Set<String> ONCE = ConcurrentHashMap.newKeySet();

    private AgentLog() {
    }

    /** Applies the policy's {@code log} / {@code log_file}; takes effect for lines written from now on. */
    public static synchronized void configure(String levelName, String logFile) {
        int wanted = parse(levelName);
        boolean sinkChanged = configured && !equal(file, logFile);
        level = wanted;
        file = logFile;
        if (sinkChanged) {
            configured = false;
        }
    }

    public static boolean isEnabled(int lineLevel) {
        return lineLevel <= level;
    }

    public static boolean isDebug() {
        return DEBUG <= level;
    }

    public static void error(String message) {
        write(ERROR, message);
    }

    public static void warn(String message) {
        write(WARN, message);
    }

    public static void info(String message) {
        write(INFO, message);
    }

    public static void debug(String message) {
        write(DEBUG, message);
    }

    /**
     * Whether the JVM's shutdown has begun (the JDK then takes no more shutdown hooks). What an agent thread finds
     * broken in those last milliseconds, such as a temporary copy the exit refused, is not worth a line: nothing
     * needs it any more. The launcher has its own copy (AgentMain.jvmExiting): it loads none of the agent's classes.
     */
    public static boolean jvmExiting() {
        Thread probe = new Thread("ka-agent-exit-probe"); // never started
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException shuttingDown) {
            return true;
        } catch (RuntimeException refused) {
            return false; // a Security Manager installed since the start, which denies shutdown hooks
        }
    }

    /** Logs the first line for {@code key} only; later ones with the same key are dropped (they are counted elsewhere). */
    public static void warnOnce(String key, String message) {
        if (isEnabled(WARN) && ONCE.add(key)) {
            write(WARN, message);
        }
    }

    private static void write(int lineLevel, String message) {
        if (lineLevel > level) {
            return;
        }
        try {
            ensureConfigured();
            switch (lineLevel) {
                case ERROR:
                    Logger.error(message);
                    break;
                case WARN:
                    Logger.warn(message);
                    break;
                case INFO:
                    Logger.info(message);
                    break;
                default:
                    Logger.debug(message);
                    break;
            }
        } catch (Throwable t) {
            // The log must never be the thing that breaks the application.
            System.err.println("ka-agent: " + name(lineLevel) + " " + message);
        }
    }

    private static void ensureConfigured() {
        if (configured) {
            return;
        }
        synchronized (AgentLog.class) {
            if (configured) {
                return;
            }
            Map<String, String> settings = new HashMap<String, String>();
            settings.put("level", "debug"); // filtering happens above, so a level change needs no reconfiguration
            settings.put("autoshutdown", "false");
            settings.put("writingthread", "false");
            String target = file;
            if (target == null) {
                settings.put("writer", "console");
                settings.put("writer.stream", "err");
            } else {
                settings.put("writer", "file");
                settings.put("writer.file", target);
                settings.put("writer.append", "true");
                settings.put("writer.buffered", "false");
            }
            settings.put("writer.format", "ka-agent: {level} {message}");
            settings.put("writer.level", "debug");
            if (Configuration.isFrozen()) {
                // A reload changed log_file after the first line: tinylog cannot be reconfigured; keep its sink.
                System.err.println("ka-agent: WARN log destination cannot change while running; keeping the first one");
            } else {
                Configuration.replace(settings);
            }
            configured = true;
        }
    }

    static int parse(String name) {
        if (name == null) {
            return WARN;
        }
        String value = name.trim().toLowerCase(Locale.ROOT);
        if (value.equals("off")) {
            return OFF;
        } else if (value.equals("error")) {
            return ERROR;
        } else if (value.equals("info")) {
            return INFO;
        } else if (value.equals("debug")) {
            return DEBUG;
        }
        return WARN;
    }

    private static String name(int lineLevel) {
        switch (lineLevel) {
            case ERROR:
                return "ERROR";
            case WARN:
                return "WARN";
            case INFO:
                return "INFO";
            default:
                return "DEBUG";
        }
    }

    private static boolean equal(String a, String b) {
        return a == null ? b == null : a.equals(b);
    }
}
