package dev.gateway.user;

/**
 * A node's side of users across connections: its connections by user ({@link NodeUsers}), the
 * commands that reach every node's ({@link UserCommands}) and the bans it enforces
 * ({@link UserBans}).
 */
public record Users(NodeUsers local, UserCommands commands, UserBans bans) {
}
