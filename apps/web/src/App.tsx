import { HomePage } from './pages/HomePage.js'
import { RoomPage } from './pages/RoomPage.js'
import { useRoute } from './routing/useRoute.js'
import { sdk } from './sdk/parley.js'

export function App() {
  const route = useRoute()
  if (route.kind === 'room')
    return <RoomPage key={route.code} code={route.code} initialName={route.name} sdk={sdk} />
  return <HomePage notice={route.notice} />
}
