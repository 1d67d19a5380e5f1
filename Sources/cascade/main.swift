print("cascade: skeleton")
