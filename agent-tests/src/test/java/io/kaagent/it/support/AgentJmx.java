package io.kaagent.it.support;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.time.Duration;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The agent's MBean {@code ka.agent:type=KeepAlive} in a child JVM, read from outside through the attach API:
 * attach, start the local management agent, connect over JMX. The MBean may register a moment after the JVM starts,
 * so {@link #attach(long)} waits up to {@link TestEnv#STEP_TIMEOUT} for it.
 */
public final class AgentJmx implements AutoCloseable {
    public static final String MBEAN = "ka.agent:type=KeepAlive";

    private final JMXConnector connector;
    private final MBeanServerConnection connection;
    private final ObjectName name;

    private AgentJmx(JMXConnector connector, MBeanServerConnection connection, ObjectName name) {
        this.connector = connector;
        this.connection = connection;
        this.name = name;
    }

    public static AgentJmx attach(long pid) throws Exception {
        String url;
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        try {
            url = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(url));
        try {
            MBeanServerConnection connection = connector.getMBeanServerConnection();
            ObjectName name = new ObjectName(MBEAN);
            Duration timeout = TestEnv.STEP_TIMEOUT;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!connection.isRegistered(name)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("MBean " + MBEAN + " not registered in pid " + pid + " within " + timeout
                            + "; ka.agent domain has " + connection.queryNames(new ObjectName("ka.agent:*"), null));
                }
                Thread.sleep(100);
            }
            return new AgentJmx(connector, connection, name);
        } catch (Exception | AssertionError e) {
            connector.close();
            throw e;
        }
    }

    public Object attribute(String attribute) throws Exception {
        return connection.getAttribute(name, attribute);
    }

    public long longAttribute(String attribute) throws Exception {
        Object value = attribute(attribute);
        if (!(value instanceof Number)) {
            throw new AssertionError(MBEAN + " " + attribute + " is " + describe(value) + ", expected a long");
        }
        return ((Number) value).longValue();
    }

    public String stringAttribute(String attribute) throws Exception {
        Object value = attribute(attribute);
        if (!(value instanceof String)) {
            throw new AssertionError(MBEAN + " " + attribute + " is " + describe(value) + ", expected a String");
        }
        return (String) value;
    }

    private static String describe(Object value) {
        return value == null ? "null" : value.getClass().getName() + " " + value;
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
