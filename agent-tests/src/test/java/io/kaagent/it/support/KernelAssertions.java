package io.kaagent.it.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.time.Duration;

/**
 * Asserting what the kernel reports for a socket at the moment the application's call has returned (PRODUCT.md §5:
 * the agent applies at connect/accept). A mismatch is diagnosed before failing: the socket is read again for a few
 * seconds, so the message tells "applied late" (asynchronously, after the application's call returned) apart from
 * "never applied" or "applied wrongly".
 */
public final class KernelAssertions {
    private static final Duration DIAGNOSIS = Duration.ofSeconds(3);

    private KernelAssertions() {
    }

    /**
     * The kernel reports {@code expected} within {@code within}: for sockets the agent applies once its native layer
     * is up, not at the application's call (an application started from a named module without jdk.net).
     */
    public static void assertOptionsWithin(Duration within, KernelSocketOptions expected, KernelSocketReader kernel,
                                           TcpSocket socket, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        KernelSocketOptions now = kernel.options(socket);
        while (!now.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(25);
            now = kernel.options(socket);
        }
        if (!now.equals(expected)) {
            fail(what + " (" + socket + ")\n  expected " + expected + " within " + within.toSeconds()
                    + " s\n  but was  " + now);
        }
    }

    public static void assertOptions(KernelSocketOptions expected, KernelSocketReader kernel, TcpSocket socket,
                                     String what) throws IOException, InterruptedException {
        KernelSocketOptions atOnce = kernel.options(socket);
        if (atOnce.equals(expected)) {
            return;
        }
        long start = System.nanoTime();
        long deadline = start + DIAGNOSIS.toNanos();
        KernelSocketOptions later = atOnce;
        StringBuilder history = new StringBuilder();
        while (System.nanoTime() < deadline) {
            Thread.sleep(25);
            KernelSocketOptions now;
            try {
                now = kernel.options(socket);
            } catch (IOException gone) {
                history.append("\n    then the socket could not be read: ").append(gone.getMessage());
                break;
            }
            if (!now.equals(later)) {
                history.append("\n    after ").append((System.nanoTime() - start) / 1_000_000).append(" ms: ")
                        .append(now);
                later = now;
            }
            if (now.equals(expected)) {
                break;
            }
        }
        String diagnosis = later.equals(expected)
                ? "\n  the kernel had the expected values only LATER (applied after the application's call returned):"
                : "\n  and still not after " + DIAGNOSIS.toSeconds() + " s; changes seen:";
        fail(what + " (" + socket + ")\n  expected " + expected + "\n  but was  " + atOnce + diagnosis
                + (history.length() == 0 ? " none" : history.toString()));
    }
}
