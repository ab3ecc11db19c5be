package io.kaagent;

import java.lang.instrument.Instrumentation;
import java.util.function.Supplier;

/**
 * premain's way in without reflection: AgentMain hands the arguments to the agent's class loader and initialises
 * this class, whose static initialiser takes them back through {@link Supplier} (a JDK interface, the one type both
 * sides see) and calls {@link Agent#premain} directly. Initialised once per JVM; a second premain goes through
 * reflection instead.
 */
final class Launch {
    static {
        @SuppressWarnings("unchecked")
        Object[] arguments = ((Supplier<Object[]>) (Object) Launch.class.getClassLoader()).get();
        if (arguments != null) {
            Agent.premain((String) arguments[0], (Instrumentation) arguments[1]);
        }
    }

    private Launch() {
    }
}
