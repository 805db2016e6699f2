import { expect, test } from "bun:test";
import { formatUserList, parseUserList } from "./user-list.ts";

test("ids pasted one per line, with blank lines and Windows line ends", () => {
  expect(parseUserList("user-1\r\nuser-2\r\n\r\n  user-3  \n")).toEqual({
    ids: ["user-1", "user-2", "user-3"],
    duplicates: 0,
  });
});

test("ids separated by commas or semicolons, as a CSV line or a chat message", () => {
  expect(parseUserList("a, b,c;d ;;, e").ids).toEqual(["a", "b", "c", "d", "e"]);
});

test("quotes around an id are dropped, spaces inside it are kept", () => {
  expect(parseUserList('"ana maria", \'bob\'\n"x"').ids).toEqual(["ana maria", "bob", "x"]);
});

test("repeats are dropped and counted, keeping the first place of each id", () => {
  expect(parseUserList("b\na\nb\nc\na")).toEqual({ ids: ["b", "a", "c"], duplicates: 2 });
});

test("nothing but separators is an empty list", () => {
  expect(parseUserList(" ,\n;\n")).toEqual({ ids: [], duplicates: 0 });
});

test("a stored list reads back as the same ids", () => {
  const ids = ["user-1", "ana maria", "ção"];
  expect(parseUserList(formatUserList(ids)).ids).toEqual(ids);
});
