package io.kaagent.samples.ops;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A JVM that does nothing but stay alive: prints {@code READY} and waits for a line {@code quit} or EOF on standard
 * input. For the command line's error cases (attach disabled, -Xrs), where what the JVM runs does not matter.
 */
public final class WaitApp {
    private WaitApp() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null && !line.trim().equals("quit"); line = in.readLine()) {
            // waiting
        }
        System.out.println("BYE");
    }
}
