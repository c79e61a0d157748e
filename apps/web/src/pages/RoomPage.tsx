export function RoomPage({ code }: { code: string; initialName: string | undefined }) {
  return (
    <div class="center-screen">
      <h1>{code}</h1>
    </div>
  )
}
