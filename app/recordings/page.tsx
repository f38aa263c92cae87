import type { Metadata } from "next";
import MyRecordings from "./MyRecordings";

export const metadata: Metadata = {
  title: "My recordings",
  description: "The Backbeat recordings made in this browser, across rooms.",
};

export default function MyRecordingsPage() {
  return <MyRecordings />;
}
