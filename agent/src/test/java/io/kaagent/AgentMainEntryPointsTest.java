package io.kaagent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;

import org.junit.jupiter.api.Test;

/**
 * The build marks the launcher's entry points varargs (src/build/java, MarkEntryPointsVarargs): the JVM's reflective
 * call of premain then takes the JDK's native accessor instead of spinning method handles (~8 ms of a cold JDK 25).
 * Looked up by name: javac refuses to compile against a class whose varargs method ends in no array.
 */
class AgentMainEntryPointsTest {

    @Test
    void premainAndAgentmainAreMarkedVarargs() throws Exception {
        for (String name : new String[] {"premain", "agentmain"}) {
            Method method = Class.forName("io.kaagent.AgentMain").getDeclaredMethod(name, String.class,
                    Instrumentation.class);
            assertTrue(method.isVarArgs(), name + " carries ACC_VARARGS");
        }
    }
}
