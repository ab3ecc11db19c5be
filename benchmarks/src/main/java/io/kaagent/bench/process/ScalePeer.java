package io.kaagent.bench.process;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * The other end of {@link ScaleBench}, always without the agent, in its own process (one process may hold only
 * 20,000 descriptors here): {@code accept} binds a loopback port, prints it, and accepts and holds connections;
 * {@code connect PORT N} opens N connections to PORT and holds them. Both exit when their stdin closes.
 */
public final class ScalePeer {
    private ScalePeer() {
    }

    public static void main(String[] args) throws Exception {
        List<Socket> held = new ArrayList<>();
        if (args[0].equals("accept")) {
            ServerSocket server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket socket = server.accept();
                        synchronized (held) {
                            held.add(socket);
                        }
                    }
                } catch (IOException closed) {
                    // stdin closed: done
                }
            }, "accept");
            acceptor.setDaemon(true);
            acceptor.start();
            System.out.println("port " + server.getLocalPort());
            System.out.flush();
            System.in.read(); // until the parent closes stdin
            server.close();
        } else {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    Integer.parseInt(args[1]));
            int n = Integer.parseInt(args[2]);
            for (int i = 0; i < n; i++) {
                Socket socket = new Socket();
                socket.connect(address, 10_000);
                held.add(socket);
            }
            System.out.println("connected " + n);
            System.out.flush();
            System.in.read();
        }
        synchronized (held) {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }
}
